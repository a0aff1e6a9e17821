/**
 * Headless chromium for filming the viewer: Debian's chromium (`apt-get install -y chromium`;
 * `ROBONAV_CHROMIUM` names another executable),
 * driven by playwright-core, with software WebGL through SwiftShader so that it needs no GPU.
 * playwright-core is loaded only when a browser is launched: no other command pays for it.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Where Debian installs chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** What to install when chromium is missing (Debian package name and command). */
export const CHROMIUM_INSTALL = 'apt-get install -y chromium';

/** The chromium executable: `ROBONAV_CHROMIUM` when set (another distribution's path), else Debian's. */
export function chromiumPath(): string {
  return process.env.ROBONAV_CHROMIUM || CHROMIUM;
}

/** Whether the chromium executable exists. */
export function chromiumInstalled(): boolean {
  return existsSync(chromiumPath());
}

/** Start headless chromium (a fresh temporary profile each time); close it when done. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath))
    throw new Error(`${executablePath} is missing: filming the viewer needs Debian's chromium (${CHROMIUM_INSTALL})`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      // WebGL without a GPU: the viewer's three.js canvas renders through SwiftShader.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}
