#!/usr/bin/python3
"""Where does one certbot run spend its wall time? Read its letsencrypt.log.

    log_gaps.py LOG START END [TOP]

LOG is the run's letsencrypt.log (ours with -v, or Python certbot's, which is
always at debug level); START and END are the run's wall-clock start and end
as Unix times (bash: $EPOCHREALTIME before and after). Log timestamps are local
time with millisecond resolution. Prints start-up (process start to the first
log line), the exit tail (last log line to process end), the time in HTTP
requests as the log reports it, and the TOP (default 8) largest gaps between
consecutive log lines with the line that closed each gap: a gap is the time
spent before that line was written.
"""
import re
import sys
import time

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}):(\w+):([^:]*):(.*)$")
OURS_HTTP = re.compile(r"(GET|HEAD|POST) \S+ -> \d+ in (\d+) ms")


def main():
    log, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    lines = []
    for raw in open(log, errors="replace"):
        m = STAMP.match(raw.rstrip("\n"))
        if not m:
            continue
        t = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) + int(m.group(2)) / 1000
        if t < start - 1:  # an earlier run in the same log file
            continue
        lines.append((t, m.group(5).strip()))
    if not lines:
        sys.exit("no log lines of this run in " + log)
    total = end - start
    print("total wall          %7.0f ms" % (total * 1000))
    print("start-up            %7.0f ms  (process start -> first log line)" %
          ((lines[0][0] - start) * 1000))
    print("exit                %7.0f ms  (last log line -> process end)" %
          ((end - lines[-1][0]) * 1000))
    ours_http = sum(int(m.group(2)) for _, l in lines for m in [OURS_HTTP.search(l)] if m)
    nreq = sum(1 for _, l in lines if OURS_HTTP.search(l))
    if nreq:
        print("HTTP to the CA      %7d ms  (%d requests, as logged by the client)" % (ours_http, nreq))
    else:
        # Python certbot: "Sending X request to URL" ... urllib3 '"X /path HTTP/1.1" status'.
        spent, pending, n = 0.0, None, 0
        for t, l in lines:
            if l.startswith("Sending ") and " request to " in l:
                pending = t
            elif pending is not None and re.search(r'"(GET|HEAD|POST) \S+ HTTP/1\.1" \d+', l):
                spent += t - pending
                pending = None
                n += 1
        print("HTTP to the CA      %7.0f ms  (%d requests, 'Sending' -> urllib3 response line)" %
              (spent * 1000, n))
    gaps = []
    for (t0, _), (t1, l1) in zip(lines, lines[1:]):
        gaps.append((t1 - t0, l1))
    gaps.sort(key=lambda g: -g[0])
    print("largest gaps between log lines (time spent before the line was written):")
    for g, l in gaps[:top]:
        print("  %6.0f ms  %s" % (g * 1000, l[:110]))


if __name__ == "__main__":
    main()
