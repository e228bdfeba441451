export * from "./types.ts";
export { DEFAULT_PUB_ENDPOINT, DEFAULT_REQ_ENDPOINT, startPublisher } from "./startPublisher.ts";
export { type DemoStreams, loadDemoStreams, type LoadDemoStreamsOptions } from "./loadDemoStreams.ts";
export { parsePublishArgs, PUBLISH_USAGE, type PublishCommand, type PublishConfig } from "./parsePublishArgs.ts";
export { type FaultOptions, GARBAGE_KINDS, type GarbageKind } from "./createFaultInjector.ts";
export { formatStatusLine } from "./formatStatusLine.ts";
