/** The Fresh-shaped web layer: file-system routes, island SSR and hydration, bundles, SSE. Knows no market data. */
export { type App, type AppOptions, createApp } from "./createApp.ts";
export { createDefine, type Define } from "./createDefine.ts";
export { isPageResponse, page, type PageInit, type PageResponse } from "./page.ts";
export { type JsonBodyResult, readJsonBody, type ReadJsonBodyOptions } from "./readJsonBody.ts";
export {
  createSseHub,
  type PublishResult,
  type SseConnectOptions,
  type SseHub,
  type SseHubOptions,
  type SseHubStats,
} from "./createSseHub.ts";
export { formatSseEvent, type SseEvent } from "./formatSseEvent.ts";
export {
  buildIslandBundles,
  type BuildIslandBundlesOptions,
  BUNDLE_PREFIX,
  type IslandBundles,
} from "./buildIslandBundles.ts";
export { type FsRoutes, type LoadedRoute, loadFsRoutes } from "./loadFsRoutes.ts";
export { type Island, type Islands, loadIslands } from "./loadIslands.ts";
export { type FsRoutePath, fsRoutePath, type RouteSegment } from "./fsRoutePath.ts";
export { createRouter, type RouteEntry, type RouteMatch, type Router } from "./createRouter.ts";
export { type IslandPropsEntry, serializeProps } from "./serializeProps.ts";
export { checkHostAndOrigin, DEFAULT_ALLOWED_HOSTS, type HostCheck } from "./checkHostAndOrigin.ts";
export { consoleLogger, type Logger } from "./logger.ts";
export type {
  AppProps,
  Context,
  HandlerByMethod,
  HandlerFn,
  HandlerResult,
  HttpMethod,
  PageComponent,
  PageProps,
  RouteHandler,
  RouteModule,
} from "./types.ts";
