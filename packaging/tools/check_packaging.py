#!/usr/bin/env python3
"""Every file the build installs lands in the right Debian package.

Run by ctest (packaging.every_plugin_packaged). For each CMake install component it installs that
component alone into a scratch DESTDIR (prefix /usr) and checks, as dh_install and
dh_missing --fail-missing would in the package build:

  * the component maps to a binary package: plugin-<name> -> certbot-native-plugin-<name>,
    dev -> certbot-native-dev, Unspecified -> certbot-native;
  * that package has a stanza in debian/control and a debian/<package>.install file;
  * every installed file is claimed by a line of that .install file (and by no other package's);
  * every plugin package depends on ${certbot-native:PluginABI};
  * every .install file has a stanza and every stanza an .install file.

So a new plugin directory (which gets its own plugin-<name> component from its install() rule)
fails here, in the ordinary test run, until its stanza and .install file exist, instead of
breaking the package build later.
"""
import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys


def control_stanzas(path):
    stanzas = {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for block in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line[:1] in (" ", "\t") and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
        if "package" in fields:
            stanzas[fields["package"]] = fields
    return stanzas


def install_patterns(path, libdir):
    out = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            src = line.split()[0].lstrip("/")
            # debhelper substitutes ${DEB_HOST_MULTIARCH}; the scratch install used this build's
            # own libdir (lib/<multiarch> when configured with prefix /usr on Debian, else lib).
            src = src.replace("lib/${DEB_HOST_MULTIARCH}", libdir.strip("/"))
            src = src.replace("${DEB_HOST_MULTIARCH}", "*")
            out.append(src)
    return out


def claimed(rel, patterns):
    for p in patterns:
        if fnmatch.fnmatchcase(rel, p) or rel.startswith(p.rstrip("/") + "/"):
            return True
        # a glob naming a directory claims what is below it
        parts = rel.split("/")
        for i in range(1, len(parts)):
            if fnmatch.fnmatchcase("/".join(parts[:i]), p):
                return True
    return False


def package_of(component):
    if component.startswith("plugin-"):
        return "certbot-native-" + component
    return {"dev": "certbot-native-dev", "Unspecified": "certbot-native"}.get(component)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--debian", required=True)
    ap.add_argument("--libdir", required=True, help="CMAKE_INSTALL_LIBDIR of the build")
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("components", nargs="+")
    a = ap.parse_args()

    errors = []
    stanzas = control_stanzas(os.path.join(a.debian, "control"))
    install_files = {f[: -len(".install")] for f in os.listdir(a.debian) if f.endswith(".install")}
    for pkg in sorted(install_files - set(stanzas)):
        errors.append(f"debian/{pkg}.install: no 'Package: {pkg}' stanza in debian/control")
    for pkg in sorted(set(stanzas) - install_files):
        errors.append(f"debian/control: package {pkg} has no debian/{pkg}.install file")
    patterns = {p: install_patterns(os.path.join(a.debian, p + ".install"), a.libdir)
                for p in install_files}

    plugins = 0
    for comp in sorted(set(a.components)):
        pkg = package_of(comp)
        if pkg is None:
            errors.append(f"install component '{comp}' maps to no package; add it to "
                          "package_of() in packaging/tools/check_packaging.py and to debian/")
            continue
        if pkg not in stanzas:
            errors.append(f"install component '{comp}': debian/control has no 'Package: {pkg}' "
                          f"stanza (copy certbot-native-plugin-webroot's)")
            continue
        if pkg not in install_files:
            continue  # reported above
        if comp.startswith("plugin-"):
            plugins += 1
            if "${certbot-native:PluginABI}" not in stanzas[pkg].get("depends", ""):
                errors.append(f"debian/control: {pkg} must depend on ${{certbot-native:PluginABI}}")
        dest = os.path.join(a.scratch, comp)
        shutil.rmtree(dest, ignore_errors=True)
        env = dict(os.environ, DESTDIR=dest)
        r = subprocess.run([a.cmake, "--install", a.build, "--prefix", "/usr", "--component", comp],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            errors.append(f"cmake --install --component {comp} failed: {r.stderr.strip()}")
            continue
        files = []
        for root, _, names in os.walk(dest):
            files += [os.path.relpath(os.path.join(root, n), dest) for n in names]
        if not files:
            errors.append(f"install component '{comp}' installs nothing")
        for rel in sorted(files):
            if not claimed(rel, patterns[pkg]):
                errors.append(f"/{rel} (component {comp}) is not listed in debian/{pkg}.install")
            for other in install_files - {pkg}:
                if claimed(rel, patterns[other]):
                    errors.append(f"/{rel} (component {comp}) is also claimed by "
                                  f"debian/{other}.install")
        shutil.rmtree(dest, ignore_errors=True)

    if plugins == 0:
        errors.append("no plugin-<name> install component found; is the component list right?")
    for e in errors:
        print("packaging: " + e, file=sys.stderr)
    if errors:
        return 1
    print(f"packaging: {len(set(a.components))} install components, {plugins} plugins, "
          f"{len(stanzas)} packages: every installed file is claimed by its package")
    return 0


if __name__ == "__main__":
    sys.exit(main())
