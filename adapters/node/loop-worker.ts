// A loop host on Node.js (a worker thread or a cluster process): the
// runtime-neutral host (core/loops/host.ts) on this loop's channel.
import { hostLoop } from "../../core/loops/host.ts";
import { loopHosts } from "./loops.ts";
import { adapter } from "./adapter.ts";

hostLoop(adapter, loopHosts.channel());
