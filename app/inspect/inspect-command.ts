export async function runInspectCommand(_a: { logs: string[]; configDir?: string; chokeGraceMs: number }): Promise<number> { return 0; }
