/**
 * Headless Chromium for page tests, from the Debian `chromium` package on PATH (never a downloaded build:
 * no `playwright install`). Without Chromium a browser test is skipped locally (`ignore: skipWithoutBrowser()`)
 * but fails in CI (CI=true), where a missing browser is a broken machine, not a reason to pass.
 */
import { type Browser, chromium } from "playwright-core";

const CHROMIUM_NAMES = ["chromium", "chromium-browser"];

export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Absolute path of the first Chromium binary on PATH, or null. */
export function findChromium(): string | null {
  const path = Deno.env.get("PATH") ?? "";
  for (const dir of path.split(":").filter((dir) => dir !== "")) {
    for (const name of CHROMIUM_NAMES) {
      try {
        if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
      } catch {
        // Not in this directory.
      }
    }
  }
  return null;
}

/** For `Deno.test({ ignore })`: skip only when Chromium is missing and this is not CI. */
export function skipWithoutBrowser(): boolean {
  return findChromium() === null && Deno.env.get("CI") !== "true";
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === null) {
    throw new Error(
      `Cannot launch a browser: no ${CHROMIUM_NAMES.join(" or ")} on PATH (${Deno.env.get("PATH")}); ` +
        "install the Debian package: apt-get install chromium",
    );
  }
  return await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
}
