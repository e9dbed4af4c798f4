#!/usr/bin/python3
"""Clone one real certbot lineage COUNT times into a new config directory.

    clone_lineages.py SRC_BASE SEED DEST_BASE COUNT

SRC_BASE is a directory holding config/ (with renewal/SEED.conf, archive/SEED/,
live/SEED/), work/ and logs/, as made by the benchmarks. DEST_BASE gets the
same three directories: config/ with the accounts and hook directories of the
source, and COUNT lineages SEED-00001 ... each with its own copy of the
archive files, relative live/ symlinks into it (as certbot makes them), a
README, and a renewal conf whose paths point into DEST_BASE. Only the Python 3
standard library; a few seconds for 10,000 lineages.
"""
import os
import shutil
import sys


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src_base, seed, dest_base, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    src_base = os.path.realpath(src_base)
    src_cfg = os.path.join(src_base, "config")
    dest_base = os.path.abspath(dest_base)
    dest_cfg = os.path.join(dest_base, "config")
    for d in ("work", "logs"):
        os.makedirs(os.path.join(dest_base, d), exist_ok=True)
    os.makedirs(dest_cfg, exist_ok=True)
    for d in ("accounts", "renewal-hooks"):
        s = os.path.join(src_cfg, d)
        if os.path.isdir(s):
            shutil.copytree(s, os.path.join(dest_cfg, d), symlinks=True, dirs_exist_ok=True)
    for d in ("archive", "live", "renewal"):
        os.makedirs(os.path.join(dest_cfg, d), exist_ok=True)
    os.chmod(os.path.join(dest_cfg, "archive"), 0o700)
    os.chmod(os.path.join(dest_cfg, "live"), 0o700)

    with open(os.path.join(src_cfg, "renewal", seed + ".conf")) as f:
        conf = f.read()
    src_archive = os.path.join(src_cfg, "archive", seed)
    src_live = os.path.join(src_cfg, "live", seed)
    archive_files = sorted(os.listdir(src_archive))
    archive_data = {}
    for name in archive_files:
        p = os.path.join(src_archive, name)
        with open(p, "rb") as f:
            archive_data[name] = (f.read(), os.stat(p).st_mode & 0o777)
    live_links = {n: os.readlink(os.path.join(src_live, n))
                  for n in os.listdir(src_live) if os.path.islink(os.path.join(src_live, n))}
    readme = os.path.join(src_live, "README")
    readme_text = open(readme, "rb").read() if os.path.exists(readme) else None
    live_readme = os.path.join(src_cfg, "live", "README")
    if os.path.exists(live_readme):
        shutil.copy2(live_readme, os.path.join(dest_cfg, "live", "README"))

    # The conf's own paths say where the seed was made (it may have been moved
    # since): archive_dir = <old base>/config/archive/<seed>.
    old_cfg = src_cfg
    for line in conf.splitlines():
        k, _, v = line.partition("=")
        if k.strip() == "archive_dir" and v.strip().endswith("/archive/" + seed):
            old_cfg = v.strip()[: -len("/archive/" + seed)]
    old_base = os.path.dirname(old_cfg)
    base_conf = conf.replace(old_cfg + "/", dest_cfg + "/").replace(old_base + "/", dest_base + "/")
    for i in range(1, count + 1):
        name = "%s-%05d" % (seed, i)
        a = os.path.join(dest_cfg, "archive", name)
        l = os.path.join(dest_cfg, "live", name)
        os.mkdir(a, 0o755)
        os.mkdir(l, 0o755)
        for fname, (data, mode) in archive_data.items():
            fd = os.open(os.path.join(a, fname), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(os.path.join(a, fname), mode)
        for link, target in live_links.items():
            os.symlink(target.replace("/archive/%s/" % seed, "/archive/%s/" % name), os.path.join(l, link))
        if readme_text is not None:
            with open(os.path.join(l, "README"), "wb") as f:
                f.write(readme_text)
        c = base_conf.replace("/archive/%s\n" % seed, "/archive/%s\n" % name)
        c = c.replace("/live/%s/" % seed, "/live/%s/" % name)
        with open(os.path.join(dest_cfg, "renewal", name + ".conf"), "w") as f:
            f.write(c)


if __name__ == "__main__":
    main()
