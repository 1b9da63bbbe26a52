/** dynalite's table of table records (`store.tableDb`): LevelDB's callback API over JSON values. */
export interface TableRecords {
  get(key: string, ...rest: unknown[]): unknown;
  put(key: string, ...rest: unknown[]): unknown;
  del(key: string, ...rest: unknown[]): unknown;
}

type Callback = (err: Error | null, value?: unknown) => void;

/**
 * Keeps dynalite's table records decoded in memory (#39). dynalite reads a table's record (its key schema and indexes)
 * from LevelDB and parses it at every operation, about a third of a millisecond each, several times per launch; the
 * records change only when a table is created, updated or deleted, all of which put or delete the record through
 * here. Each caller gets its own copy (dynalite changes what it is given before writing it back), and a read that a
 * write overlapped is not kept. (A record is JSON in LevelDB, so its text round-trips it exactly.)
 */
export function cacheTableRecords(records: TableRecords): void {
  // Kept as JSON text: parsing it gives each caller its own copy at a third of structuredClone's cost (#39).
  const kept = new Map<string, string>();
  let writes = 0;
  const { get, put, del } = records;
  const changed =
    (original: TableRecords['put'] | TableRecords['del']) =>
    (key: string, ...rest: unknown[]) => {
      writes++;
      kept.delete(key);
      const cb = rest.at(-1);
      if (typeof cb !== 'function') return original.call(records, key, ...rest);
      return original.call(records, key, ...rest.slice(0, -1), (err: Error | null, value?: unknown) => {
        writes++;
        kept.delete(key);
        (cb as Callback)(err, value);
      });
    };
  records.put = changed(put);
  records.del = changed(del);
  records.get = (key: string, ...rest: unknown[]) => {
    const cb = rest.at(-1);
    // Only the callback form with no options, as dynalite's getTable calls it.
    if (rest.length !== 1 || typeof cb !== 'function') return get.call(records, key, ...rest);
    const text = kept.get(key);
    if (text !== undefined) {
      const copy: unknown = JSON.parse(text);
      queueMicrotask(() => (cb as Callback)(null, copy));
      return;
    }
    const before = writes;
    return get.call(records, key, (err: Error | null, value?: unknown) => {
      if (!err && value && typeof value === 'object' && writes === before) kept.set(key, JSON.stringify(value));
      (cb as Callback)(err, value);
    });
  };
}
