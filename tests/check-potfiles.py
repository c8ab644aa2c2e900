#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails when a file with translatable strings is missing from po/POTFILES.in,
when POTFILES.in names a file that does not exist, or when a .po file does
not compile. Prints TAP."""
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]
MARKERS = {
    '.c': re.compile(r'\b(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"'),
    '.ui': re.compile(r'translatable="yes"'),
    '.in': re.compile(r'.'),
    '.xml': re.compile(r'<summary>|<description>'),
}
SCAN_DIRS = ['app', 'ui', 'data']

def listed():
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return {line.strip() for line in f
                if line.strip() and not line.startswith('#')}

def translatable_files():
    found = set()
    for top in SCAN_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if rel.startswith('data/assets/'):
                    continue
                ext = os.path.splitext(name)[1]
                if ext == '.in' and not (name.endswith('.desktop.in') or
                                         name.endswith('.metainfo.xml.in')):
                    continue
                if ext == '.xml' and not name.endswith('.gschema.xml'):
                    continue
                marker = MARKERS.get(ext)
                if marker is None:
                    continue
                with open(path, encoding='utf-8') as f:
                    if marker.search(f.read()):
                        found.add(rel)
    return found

checks = []
names = listed()
for rel in sorted(translatable_files() - names):
    checks.append((False, f'{rel} has translatable strings but is not in po/POTFILES.in'))
for rel in sorted(names):
    if not os.path.exists(os.path.join(root, rel)):
        checks.append((False, f'po/POTFILES.in names {rel}, which does not exist'))
if not any(not ok for ok, _ in checks):
    checks.append((True, f'po/POTFILES.in lists all {len(names)} files with translatable strings'))

with open(os.path.join(root, 'po', 'LINGUAS'), encoding='utf-8') as f:
    linguas = f.read().split()

# Extract the current strings the way the build does, so a translation that
# lags behind the sources fails here rather than in front of a user.
tmpdir_holder = tempfile.TemporaryDirectory(prefix='mimic-pot-')
tmpdir = tmpdir_holder.name
pot = os.path.join(tmpdir, 'mimic.pot')
xgettext = subprocess.run(
    ['xgettext', '--package-name=mimic', '--from-code=UTF-8', '--add-comments',
     '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
     '--keyword=g_dngettext:2,3', '--keyword=ngettext:1,2',
     '--directory=' + root, '--files-from=' + os.path.join(root, 'po', 'POTFILES.in'),
     '--output=' + pot],
    capture_output=True, text=True)
checks.append((xgettext.returncode == 0,
               'xgettext extracts the strings ' + xgettext.stderr.strip().replace('\n', ' ')))
for lang in linguas:
    po = os.path.join(root, 'po', lang + '.po')
    result = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                            capture_output=True, text=True)
    ok = result.returncode == 0
    detail = (result.stderr or result.stdout).strip().replace('\n', ' ')
    checks.append((ok, f'po/{lang}.po compiles: {detail}'))
    if xgettext.returncode == 0:
        cmp = subprocess.run(['msgcmp', po, pot], capture_output=True, text=True)
        missing = cmp.stderr.strip().replace('\n', ' | ')
        checks.append((cmp.returncode == 0,
                       f'po/{lang}.po translates every current string {missing}'))

print('TAP version 13')
print(f'1..{len(checks)}')
for i, (ok, text) in enumerate(checks, 1):
    print(f'{"ok" if ok else "not ok"} {i} - {text}')
sys.exit(0 if all(ok for ok, _ in checks) else 1)
