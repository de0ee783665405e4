export * from "../conformance/_proxy-headers.ts";
