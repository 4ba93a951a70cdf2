// Types of build-server.mjs for the TypeScript callers (tests and benchmarks).
export function buildServer(options?: {
  ifStale?: boolean;
  quiet?: boolean;
}): Promise<'built' | 'up to date'>;
export function bundleServer(entryPoints: Record<string, string>, outdir: string): Promise<void>;
