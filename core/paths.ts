import * as path from 'node:path';

/** The package root (compiled code lives in dist/ below it). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const DEFAULT_MANIFEST = path.join(PACKAGE_ROOT, 'plugin-manifest.json');
export const DEFAULT_CONFIG_DIR = path.join(PACKAGE_ROOT, 'config');
