// A loop host on Bun (a Worker): the
// runtime-neutral host (core/loops/host.ts) on this loop's channel.
import { hostLoop } from "../../core/loops/host.ts";
import { loopHosts } from "./loops.ts";
import { adapter } from "./adapter.ts";

hostLoop(adapter, loopHosts.channel());
