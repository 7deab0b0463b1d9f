#!/usr/bin/env bash
# Refreshes data/disposable_email_blocklist.json from the npm package disposable-email-domains-js, which republishes
# the CC0 list of the disposable-email-domains project as JSON, and rewrites data/DISPOSABLE_DOMAINS_SOURCE.md.
# Usage: scripts/refresh-disposable-domains.sh [VERSION]   (default: latest)
# Needs npm, node and tar. Review the diff and run the unit tests before committing the result.
set -euo pipefail

package=disposable-email-domains-js
version=${1:-latest}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=$repo_root/data
list_in_package=package/dist/dict/disposable_email_blocklist.json

for tool in npm node tar; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# npm pack only downloads the tarball: no install scripts of the package run.
tarball=$(cd "$work" && npm pack "$package@$version" --silent 2>/dev/null | tail -n 1)
[ -f "$work/$tarball" ] || { echo "error: npm pack $package@$version produced no tarball" >&2; exit 1; }
tar -xzf "$work/$tarball" -C "$work"

if [ ! -f "$work/$list_in_package" ]; then
  echo "error: $list_in_package is not in $tarball; the package layout changed:" >&2
  tar -tzf "$work/$tarball" >&2
  exit 1
fi

pkg_version=$(node -p 'require(process.argv[1]).version' "$work/package/package.json")
pkg_license=$(node -p 'require(process.argv[1]).license' "$work/package/package.json")

# A truncated or reshaped file must never replace a good one: insist on a JSON array of many lowercase strings.
count=$(node -e '
  const list = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!Array.isArray(list) || list.length < 1000) throw new Error("expected a JSON array of at least 1000 domains");
  for (const d of list)
    if (typeof d !== "string" || d !== d.trim().toLowerCase() || d === "") throw new Error("unexpected entry: " + JSON.stringify(d));
  console.log(list.length);
' "$work/$list_in_package")

sha256=$(sha256sum "$work/$list_in_package" | cut -d' ' -f1)
today=$(date -u +%Y-%m-%d)

mkdir -p "$data_dir"
cp "$work/$list_in_package" "$data_dir/disposable_email_blocklist.json.tmp"
mv "$data_dir/disposable_email_blocklist.json.tmp" "$data_dir/disposable_email_blocklist.json"

{
  cat <<EOF
# Source of disposable_email_blocklist.json

| | |
|---|---|
| list | disposable-email-domains project (https://github.com/disposable-email-domains/disposable-email-domains) |
| taken from | npm package \`$package\`, version $pkg_version, file \`dist/dict/disposable_email_blocklist.json\` |
| package repository | https://github.com/mziyut/disposable-email-domains-js |
| fetched on | $today |
| domains | $count |
| sha256 of the file | \`$sha256\` |
| licence | $pkg_license (text below, copied from the package's LICENSE) |

Refresh with \`scripts/refresh-disposable-domains.sh [VERSION]\`, which rewrites this file. The list is used as is;
privacy relays and local overrides are handled in \`src/domain/disposable_domains.cpp\`, not by editing the list.

## Licence

EOF
  if [ -f "$work/package/LICENSE" ]; then
    echo '```text'
    cat "$work/package/LICENSE"
    echo '```'
  else
    echo "The package ships no LICENSE file; package.json declares $pkg_license."
  fi
} >"$data_dir/DISPOSABLE_DOMAINS_SOURCE.md"

echo "disposable domains: $count from $package@$pkg_version written to $data_dir"
