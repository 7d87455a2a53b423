// A string table: each distinct string once, named by its index (slice names in tables and on
// the wire are indices into one).

export class StringTable {
  /** The strings, in the order first seen; an id is an index here. */
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of `s`, added at the end when new. */
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.push(s) - 1;
      this.ids.set(s, id);
    }
    return id;
  }
}
