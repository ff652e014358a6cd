/**
 * The server's configuration, decoded from the environment with `Config`.
 * Every variable is listed in the root README's configuration table.
 */
import { Config, Effect, Option, type Redacted } from "effect"

export interface ServerConfig {
  readonly port: number
  readonly host: string
  /** The public base URL providers call (signatures cover it), e.g. https://dialer.example.com. */
  readonly publicUrl: string
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  readonly dataDir: string
  readonly secretKey: Option.Option<Redacted.Redacted<string>>
  readonly temporalAddress: Option.Option<string>
  readonly temporalNamespace: string
  readonly temporalCliPath: Option.Option<string>
  readonly twilioAccountSid: Option.Option<string>
  readonly twilioAuthToken: Option.Option<Redacted.Redacted<string>>
  readonly plivoAuthToken: Option.Option<Redacted.Redacted<string>>
  readonly webDir: string
}

export const config: Config.Config<ServerConfig> = Config.all({
  port: Config.Port("PORT").pipe(Config.withDefault(3000)),
  host: Config.String("HOST").pipe(Config.withDefault("127.0.0.1")),
  publicUrl: Config.option(Config.String("PUBLIC_URL")),
  databaseUrl: Config.option(Config.Redacted("DATABASE_URL")),
  dataDir: Config.String("AUTODIALER_DATA_DIR").pipe(Config.withDefault("./data")),
  secretKey: Config.option(Config.Redacted("AUTODIALER_SECRET_KEY")),
  temporalAddress: Config.option(Config.String("TEMPORAL_ADDRESS")),
  temporalNamespace: Config.String("TEMPORAL_NAMESPACE").pipe(Config.withDefault("default")),
  temporalCliPath: Config.option(Config.String("TEMPORAL_CLI_PATH")),
  twilioAccountSid: Config.option(Config.String("TWILIO_ACCOUNT_SID")),
  twilioAuthToken: Config.option(Config.Redacted("TWILIO_AUTH_TOKEN")),
  plivoAuthToken: Config.option(Config.Redacted("PLIVO_AUTH_TOKEN")),
  webDir: Config.String("AUTODIALER_WEB_DIR").pipe(Config.withDefault(""))
}).pipe(Config.map((c) => ({
  ...c,
  publicUrl: Option.getOrElse(c.publicUrl, () => `http://${c.host === "0.0.0.0" ? "127.0.0.1" : c.host}:${c.port}`).replace(/\/+$/, "")
})))

export const load: Effect.Effect<ServerConfig, Config.ConfigError> = Effect.gen(function*() {
  return yield* config
})
