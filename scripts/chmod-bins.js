#!/usr/bin/env node
// Makes the package's commands (package.json "bin") executable again after a build. `npm link` and
// `npm install` set the mode once, but `npm run build` (and `npm start`, which builds first) deletes
// dist/ and tsc writes the files back as 0644: `peer` on the PATH then failed with "Permission denied".
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { bin } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const file of Object.values(bin)) fs.chmodSync(path.join(root, file), 0o755);
