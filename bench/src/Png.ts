/**
 * SVG to PNG through a headless Chromium, when one is installed
 * (`CHROMIUM_PATH`, or `chromium` on PATH). Without one, PNG is skipped with a
 * message: SVG is the primary output.
 */
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { pathToFileURL } from "node:url"

const findChromium = (): string | undefined => {
  const candidates = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
  return candidates.find((c): c is string => c !== undefined && c !== "" && existsSync(c))
}

export const renderer = (): string | undefined => findChromium()

/** Render `svgPath` to `pngPath` at the given size. Resolves to an error message, or undefined on success. */
export const toPng = (svgPath: string, pngPath: string, width: number, height: number): Promise<string | undefined> => {
  const chromium = findChromium()
  if (chromium === undefined) return Promise.resolve("no Chromium found (set CHROMIUM_PATH); PNG skipped, SVG written")
  return new Promise((resolve) => {
    execFile(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--default-background-color=ffffffff",
        `--window-size=${width},${height}`,
        `--screenshot=${pngPath}`,
        pathToFileURL(svgPath).href
      ],
      { timeout: 60_000 },
      (error) => resolve(error ? `PNG rendering failed for ${svgPath}: ${error.message}` : undefined)
    )
  })
}
