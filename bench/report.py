#!/usr/bin/python3
"""Turn the benchmarks' results TSV into a Markdown table.

    report.py RESULTS.tsv MACHINE.txt > latest.md

RESULTS.tsv lines: bench, impl (ours|python), metric (wall_s|cpu_s|rss_kib|n/a),
value, note. MACHINE.txt: "key: value" lines printed above the table.
Ratios are Python certbot / ours (above 1: ours is faster or smaller).
"""
import re
import sys
from collections import OrderedDict

ORDER = ["version", "issue-one", "certificates-", "renew-forced-", "renew-ari-cold-",
         "renew-ari-warm-", "renew-ari-down-", "renew-"]
ARI = {
    "cold": "no ARI state yet: N renewalInfo requests, N confs saved",
    "warm": "inside the CA's Retry-After: no request",
    "down": "the CA down: one refused connection",
}
TITLES = {
    "version": "`certbot --version` (start-up)",
    "issue-one": "issue one certificate, 2 names, standalone, Pebble",
}


def title(bench):
    if bench in TITLES:
        return TITLES[bench]
    if bench.startswith("certificates-"):
        return "`certbot certificates`, %s lineages" % format(int(bench.split("-")[1]), ",")
    if bench.startswith("renew-forced-"):
        return ("`certbot renew --force-renewal`, %s webroot lineages, Pebble (ours: 4 workers, "
                "Python: sequential)" % format(int(bench.split("-")[2]), ","))
    if bench.startswith("renew-ari-"):
        _, _, phase, n = bench.split("-")
        return "`certbot renew`, nothing due, %s lineages, ARI (fake CA), %s" % (
            format(int(n), ","), ARI.get(phase, phase))
    if bench.startswith("renew-"):
        return "`certbot renew`, nothing due, %s lineages" % format(int(bench.split("-")[1]), ",")
    return bench


def sort_key(bench):
    for i, prefix in enumerate(ORDER):
        if bench.startswith(prefix):
            tail = bench[len(prefix):]
            return (i, int(tail) if tail.isdigit() else 0)
    return (len(ORDER), 0)


def fmt_time(v):
    if v < 1:
        return "%.1f ms" % (v * 1000)
    return "%.2f s" % v


def fmt_rss(v):
    return "%.1f MiB" % (v / 1024)


def main():
    results, machine = sys.argv[1], sys.argv[2]
    data = OrderedDict()
    for line in open(results):
        f = line.rstrip("\n").split("\t")
        if len(f) < 4:
            continue
        bench, impl, metric, value = f[:4]
        note = f[4] if len(f) > 4 else ""
        d = data.setdefault(bench, {"ours": {}, "python": {}})
        d[impl][metric] = (value, note)

    def cell(d, impl, metric, fmt):
        m = d[impl]
        if metric in m:
            v, note = m[metric]
            s = fmt(float(v))
            if "extrapolated" in note:
                s = "~" + s + " (extrapolated)"
            return s
        if "n/a" in m and metric == "wall_s":
            return m["n/a"][0]
        return "-"

    def ratio(d, metric):
        try:
            o = float(d["ours"][metric][0])
            p = float(d["python"][metric][0])
        except KeyError:
            return "-"
        if o <= 0:
            return "-"
        s = "%.1fx" % (p / o) if p / o < 100 else "%.0fx" % (p / o)
        if "extrapolated" in d["python"][metric][1]:
            s = "~" + s
        return s

    out = []
    out.append("# certbot-native benchmark results\n")
    for line in open(machine):
        line = line.rstrip("\n")
        if line:
            out.append("- " + line)
    out.append("")
    out.append("Wall: median wall-clock time. CPU: median user+sys time. RSS: median peak "
               "resident set size. Ratio: Python certbot / ours (above 1: ours is faster or smaller).")
    out.append("")
    out.append("| benchmark | ours wall | certbot wall | wall ratio | ours CPU | certbot CPU "
               "| CPU ratio | ours RSS | certbot RSS | RSS ratio |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes = []
    for bench in sorted(data, key=sort_key):
        d = data[bench]
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            title(bench),
            cell(d, "ours", "wall_s", fmt_time), cell(d, "python", "wall_s", fmt_time),
            ratio(d, "wall_s"),
            cell(d, "ours", "cpu_s", fmt_time), cell(d, "python", "cpu_s", fmt_time),
            ratio(d, "cpu_s"),
            cell(d, "ours", "rss_kib", fmt_rss), cell(d, "python", "rss_kib", fmt_rss),
            ratio(d, "rss_kib")))
        for impl in ("ours", "python"):
            for metric, (v, note) in d[impl].items():
                if note and metric in ("wall_s", "n/a") and not re.fullmatch(r"\d+ runs", note):
                    notes.append("%s, %s: %s" % (title(bench), "ours" if impl == "ours"
                                                 else "Python certbot", note))
    if notes:
        out.append("")
        out.append("Notes:")
        out.append("")
        for n in notes:
            out.append("- " + n)
    print("\n".join(out))


if __name__ == "__main__":
    main()
