/** DI tokens: interfaces vanish at run time, so every injectable contract has a symbol. */
export const TOKENS = {
  Settings: Symbol('Settings'),
  Scheduler: Symbol('Scheduler'),
  Random: Symbol('Random'),
  EventBus: Symbol('EventBus'),
  Transport: Symbol('Transport'),
  PieceSelector: Symbol('PieceSelector'),
  ChokePolicy: Symbol('ChokePolicy'),
  RateMeter: Symbol('RateMeter'),
  PieceStore: Symbol('PieceStore'),
  Loggers: Symbol('Loggers'),
} as const;
