/**
 * The light objects of the fetch bridge (`LazyRequest`, `LightResponse`)
 * answer what the hot path reads themselves; every other member comes from
 * the real object, built on first use.
 *
 * @module
 */

/** An object whose `[real]()` builds (once) and returns the real object behind it. */
type Backed = Record<symbol, () => Record<string, (...args: unknown[]) => unknown>>;

/**
 * Gives `light` every member of `native` it does not define itself: a method
 * calls the real object's, a getter reads the real object's. Then `light`
 * inherits from `native`, so `instanceof` holds.
 */
export function delegateToReal(
  light: { prototype: object },
  native: { prototype: object },
  real: symbol,
): void {
  for (const name of Object.getOwnPropertyNames(native.prototype)) {
    if (name === "constructor" || Object.hasOwn(light.prototype, name)) continue;
    const desc = Object.getOwnPropertyDescriptor(native.prototype, name)!;
    if (typeof desc.value === "function") {
      Object.defineProperty(light.prototype, name, {
        configurable: true,
        writable: true,
        value: function (this: Backed, ...args: unknown[]) {
          return this[real]()[name](...args);
        },
      });
    } else if (desc.get !== undefined) {
      Object.defineProperty(light.prototype, name, {
        configurable: true,
        get(this: Backed) {
          return this[real]()[name];
        },
      });
    }
  }
  Object.setPrototypeOf(light.prototype, native.prototype);
}
