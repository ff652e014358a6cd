/**
 * The decoded server configuration as a service, so routes that are not part
 * of the HttpApi (webhooks, realtime, static files) can read it.
 */
import { Context } from "effect"
import type { ServerConfig } from "./ServerConfig.ts"

export class ServerConfigService extends Context.Service<ServerConfigService, ServerConfig>()("@autodialer/server/ServerConfig") {}
