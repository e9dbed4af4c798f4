#!/bin/sh
# Negative test for check_packaging.py: on a copy of debian/ without the webroot plugin's stanza
# and .install file the check must fail (ctest matches the message it prints).
# usage: check_catches_unpackaged.sh SCRATCH DEBIAN_DIR -- CHECK_PACKAGING_ARGS...
set -eu
scratch=$1 debian=$2
shift 3
rm -rf "$scratch"
mkdir -p "$scratch"
cp -r "$debian" "$scratch/debian"
rm "$scratch/debian/certbot-native-plugin-webroot.install"
sed -i '/^Package: certbot-native-plugin-webroot$/,/^$/d' "$scratch/debian/control"
if "$@" --debian "$scratch/debian" --scratch "$scratch/stage"; then
  echo "check_packaging.py accepted a plugin without a package" >&2
  exit 1
fi
