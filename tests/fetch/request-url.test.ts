// U1–U5 of core/server/request-url.ts: the URL a kernel Request reports, the
// same on every runtime. The oracle is the WHATWG URL standard as Node's URL
// implements it, except `^` in a path, which the standard percent-encodes
// since 2025 and Node 20's parser does not yet (nodejs/node#57313).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeAuthority, normalizePath, requestUrl } from "../../core/server/request-url.ts";

/** What the standard gives for `http://a.test` + `target`, with `^` encoded in the path. */
function oracle(target: string): string {
  const url = new URL(`http://a.test${target}`);
  url.pathname = url.pathname.replaceAll("^", "%5E");
  return url.href;
}

const cases: Array<[string, string, string, string | null]> = [
  // [target, host, method, expected]
  ["/", "a.test", "GET", "http://a.test/"],
  ["/p?q=1", "127.0.0.1:3000", "GET", "http://127.0.0.1:3000/p?q=1"],
  ["/p", "A.TEST:80", "GET", "http://a.test/p"],
  ["/p", "[::1]:8080", "GET", "http://[::1]:8080/p"],
  ["/p", "[0:0::1]", "GET", "http://[::1]/p"],
  ["/p", "127.1", "GET", "http://127.0.0.1/p"],
  ["/a/./b/../c", "a.test", "GET", "http://a.test/a/c"],
  ["/%2e%2E/x/%2e", "a.test", "GET", "http://a.test/x/"],
  ["/a/..", "a.test", "GET", "http://a.test/"],
  ["/a\\b", "a.test", "GET", "http://a.test/a/b"],
  ['/a|b{c}^`"<>', "a.test", "GET", "http://a.test/a|b%7Bc%7D%5E%60%22%3C%3E"],
  ["/q?a='b'&c=\"<>`{}", "a.test", "GET", "http://a.test/q?a=%27b%27&c=%22%3C%3E`{}"],
  ["/x#f`g", "a.test", "GET", "http://a.test/x#f%60g"],
  ["//evil.test/x", "a.test", "GET", "http://a.test//evil.test/x"],
  ["/%zz/%41", "a.test", "GET", "http://a.test/%zz/%41"],
  ["/.well-known/x", "a.test", "GET", "http://a.test/.well-known/x"],
  ["http://other.test:80/x/../y?q=%41", "a.test", "GET", "http://other.test/y?q=%41"],
  ["HTTP://Other.TEST", "a.test", "GET", "http://other.test/"],
  ["https://o.test:443?q", "a.test", "GET", "https://o.test/?q"],
  ["http://u:p@o.test/", "a.test", "GET", null],
  ["ftp://o.test/", "a.test", "GET", null],
  ["http:o.test/", "a.test", "GET", null],
  ["*", "a.test", "OPTIONS", "http://a.test/*"],
  ["b.test:443", "b.test:443", "CONNECT", "http://b.test:443/"],
  ["B.test:80", "b.test", "CONNECT", "http://b.test/"],
  ["/p", "a.test:99999", "GET", null],
  ["/p", "a test", "GET", null],
  ["/p", "", "GET", null],
];

describe("request URLs (U1–U5)", () => {
  for (const [target, host, method, expected] of cases) {
    it(`U2–U5 ${method} ${target} Host: ${host} → ${expected}`, () => {
      const got = requestUrl(target, host, method);
      expect(got).toBe(expected);
      if (got !== null) expect(new URL(got).href).toBe(got); // U1
    });
  }

  it("U1 U2 any visible-ASCII origin-form target serializes as the URL standard says", () => {
    const char = fc.constantFrom(..."abc/./%2eE?#'\"<>`{}^|\\=&;:@!$()*+,~_-".split(""), "%2e", "%2E", "..");
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (parts) => {
        const target = "/" + parts.join("");
        const got = requestUrl(target, "a.test", "GET");
        expect(got).toBe(oracle(target));
        expect(new URL(got!).href).toBe(got);
      }),
      { numRuns: 5000 },
    );
  });

  it("U2 a plain target comes back as the same string", () => {
    const t = "/api/v1/users?id=42&sort=name";
    expect(normalizePath(t)).toBe(t);
    expect(normalizeAuthority("localhost:3000", "80")).toBe("localhost:3000");
  });
});
