/**
 * DI tokens: interfaces vanish at run time, so every injectable contract has
 * a symbol. The composition root (app/compose) registers a provider for
 * each; a test or an embedding program replaces any one by registering its
 * own in the container it passes to composePeer.
 */
export const TOKENS = {
  /** EngineSettings (also read by the guard as GuardSettings). */
  Settings: Symbol('Settings'),
  Scheduler: Symbol('Scheduler'),
  Random: Symbol('Random'),
  EventBus: Symbol('EventBus'),
  /** The PluginContext every plugin factory is called with. */
  PluginContext: Symbol('PluginContext'),
  /** PluginGuard: wraps every plugin the peer calls. */
  Guard: Symbol('Guard'),
  Transport: Symbol('Transport'),
  /** ConnectionSecurity: what the TCP transport wraps each connection in (plain, or mutual TLS). */
  ConnectionSecurity: Symbol('ConnectionSecurity'),
  /** BufferPool: reused buffers the TCP transport reassembles received pieces in. */
  PieceBuffers: Symbol('PieceBuffers'),
  // One token per plugin kind (the kind's name, in PascalCase); Loggers holds several.
  Strategy: Symbol('Strategy'),
  Choke: Symbol('Choke'),
  RateMeter: Symbol('RateMeter'),
  RateLimiter: Symbol('RateLimiter'),
  Storage: Symbol('Storage'),
  Loggers: Symbol('Loggers'),
} as const;
