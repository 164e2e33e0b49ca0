import 'reflect-metadata';
import { runCli } from './peer';
import { registerShippedPlugins } from './shipped-plugins';

/**
 * The entry point bundled into dist/app/peer.bundle.js (scripts/bundle-peer.js):
 * the `peer` command line with the shipped plugins compiled in. Started
 * through dist/app/peer-launcher.js, which adds a V8 code cache.
 */
registerShippedPlugins();
runCli(process.argv.slice(2));
