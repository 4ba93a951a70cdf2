// Loading data for a screen (shared with the PSA UI) and running a change with its busy state and error.
import { useCallback, useState } from 'react';

export { type Loaded, useLoad } from '../../shared/hooks.js';

/** Runs a change: busy while it runs, its error kept for display, its result handed on. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await work();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
