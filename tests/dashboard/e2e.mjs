// The dashboard end to end in headless Chromium (Debian's, driven by
// playwright-core), against a real cluster: login refused then accepted,
// three nodes listed, an app run on node-a from an uploaded module, its log
// followed, moved to node-b through the picker and to node-c by dragging,
// killed, and the events shown; then node-b's camera previewed. Screenshots of each step go to --shots.
//
//   node e2e.mjs --url https://127.0.0.1:PORT/ --token-file FILE --cert NODE.pem
//                --wasm life.wasm --shots DIR
// Exit 0 when every step passed; 1 (with failure.png) otherwise.
import { X509Certificate, createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(
  pathToFileURL(join(here, "../../dashboard/node_modules/playwright-core/index.mjs")).href
);

const arg = (name) => {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing ${name}`);
  return process.argv[i + 1];
};
const url = arg("--url");
const token = readFileSync(arg("--token-file"), "utf8").split("\n")[0].trim();
const wasm = arg("--wasm");
const shots = arg("--shots");
mkdirSync(shots, { recursive: true });

// Trust exactly the node's certificate (its public key), as a browser that
// imported the cluster CA would; no blanket "ignore HTTPS errors".
const spki = new X509Certificate(readFileSync(arg("--cert"))).publicKey.export({ type: "spki", format: "der" });
const pin = createHash("sha256").update(spki).digest("base64");

const kStep = 30_000;  // Bound on each wait.
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  timeout: kStep,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--ignore-certificate-errors-spki-list=${pin}`,
  ],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
page.setDefaultTimeout(kStep);
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const log = (text) => console.log(`e2e: ${text}`);
const expectText = async (testId, pattern) => {
  const locator = page.getByTestId(testId);
  await locator.filter({ hasText: pattern }).waitFor();
  return locator.innerText();
};

try {
  // Nothing but the login page without the token.
  await page.goto(url);
  if (!page.url().endsWith("/login")) throw new Error(`expected /login, got ${page.url()}`);
  const refused = await page.evaluate(async () => (await fetch("/api/shoal.admin.v1.Admin/ListNodes", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
  })).status);
  if (refused !== 401) throw new Error(`API without a token answered ${refused}`);
  await page.getByTestId("login-token").fill("not-the-token");
  await page.getByTestId("login-submit").click();
  await expectText("login-error", /not this cluster's token/);
  await shot("01-login-refused");
  log("a wrong token is refused");

  await page.getByTestId("login-token").fill(token);
  await page.getByTestId("login-submit").click();
  await expectText("served-by", /served by node-a/);
  for (const node of ["node-a", "node-b", "node-c"]) await expectText(`node-state-${node}`, /^up$/);
  await page.getByTestId("node-load-node-a").waitFor();
  await shot("02-overview");
  log("logged in; three nodes up");

  // Run an uploaded module on node-a; its output follows at once.
  await page.getByTestId("run-file").setInputFiles(wasm);
  await page.getByTestId("run-node").selectOption("node-a");
  await page.getByTestId("run-args").fill("100000000 300 24");
  await page.getByTestId("run-submit").click();
  const started = await expectText("action-result", /started process \d+ on node-a/);
  const pid = started.match(/process (\d+)/)[1];
  await expectText(`process-node-${pid}`, /^node-a$/);
  await expectText(`process-memory-${pid}`, /\d+(\.\d)? (KiB|MiB)/);
  await expectText("logs-output", /gen \d+ checksum/);
  await shot("03-running");
  log(`process ${pid} runs on node-a and its output follows`);

  // Move it with the picker, confirmed; the live view shows the summary.
  await page.getByTestId(`migrate-to-${pid}`).selectOption("node-b");
  await page.getByTestId(`migrate-${pid}`).click();
  await expectText("confirm-question", new RegExp(`Move process ${pid} to node-b`));
  await page.getByTestId("confirm-ok").click();
  await expectText("action-result", new RegExp(`migrated ${pid} from node-a to node-b`));
  await expectText(`process-node-${pid}`, /^node-b$/);
  await page.getByTestId(`migration-summary-${pid}`).waitFor();
  await shot("04-migrated-picker");
  log(`process ${pid} moved to node-b through the picker`);

  // And by dragging its chip onto node-c.
  const before = (await page.getByTestId("logs-output").innerText()).length;
  await page.getByTestId(`chip-${pid}`).dragTo(page.getByTestId("node-card-node-c"));
  await expectText("confirm-question", new RegExp(`Move process ${pid} to node-c`));
  await page.getByTestId("confirm-ok").click();
  await expectText("action-result", new RegExp(`migrated ${pid} from node-b to node-c`));
  await expectText(`process-node-${pid}`, /^node-c$/);
  log(`process ${pid} moved to node-c by dragging`);
  // Its followed output goes on across the moves.
  await page.waitForFunction(
    ([n]) => document.querySelector('[data-testid="logs-output"]').innerText.length > n,
    [before], { timeout: kStep });
  await shot("05-migrated-drag");

  await page.getByTestId(`kill-${pid}`).click();
  await page.getByTestId("confirm-ok").click();
  await expectText("action-result", new RegExp(`killed process ${pid} on node-c`));
  await expectText(`process-state-${pid}`, /^killed$/);
  await expectText("events", new RegExp(`process ${pid} moved from node-a to node-b`));
  await expectText("events", new RegExp(`process ${pid} ended on node-c: killed`));
  await expectText("logs-status", /ended/);
  await shot("06-killed");
  log(`process ${pid} killed; the events show its life`);

  // A camera of another node, previewed from this one.
  await page.getByTestId("preview-node-b-/dev/video0").click();
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="camera-stats"]')?.dataset.frames ?? 0) >= 5,
    null, { timeout: kStep });
  await expectText("camera-status", /live/);
  const lit = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="camera-canvas"]');
    const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let bright = 0;
    for (let i = 0; i < pixels.length; i += 4) bright += pixels[i] + pixels[i + 1] + pixels[i + 2] > 60;
    return { width: c.width, bright };
  });
  if (lit.width !== 320 || lit.bright < 1000) throw new Error(`camera canvas: ${JSON.stringify(lit)}`);
  await shot("07-camera");
  log("node-b's camera previewed from node-a");
  await page.getByTestId("camera-close").click();

  // Mount node-a's camera on node-c, see the mount, then unmount it.
  await page.getByTestId("mount-source").selectOption("node-a:/dev/video0");
  await page.getByTestId("mount-target").fill("/dev/video7");
  await page.getByTestId("mount-node").selectOption("node-c");
  await page.getByTestId("mount-submit").click();
  await expectText("confirm-question", /Mount node-a:\/dev\/video0 at \/dev\/video7 on node-c/);
  await page.getByTestId("confirm-ok").click();
  await expectText("action-result", /mounted node-a:\/dev\/video0 at \/dev\/video7 on node-c/);
  await expectText("device-node-c-/dev/video7", /node-a:\/dev\/video0/);
  await shot("08-mounted");
  await page.getByTestId("unmount-node-c-/dev/video7").click();
  await page.getByTestId("confirm-ok").click();
  await expectText("action-result", /unmounted \/dev\/video7 on node-c/);
  await page.getByTestId("device-node-c-/dev/video7").waitFor({ state: "detached" });
  log("node-a's camera mounted on node-c and unmounted");
  await browser.close();
  log("passed");
} catch (e) {
  console.error(`e2e: FAILED: ${e.message}`);
  await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
  await browser.close();
  process.exit(1);
}
