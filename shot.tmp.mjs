import { chromium } from "playwright-core";
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"] });
const p = await b.newPage({ viewport: { width: 1100, height: 1400 } });
const errors = []; p.on("pageerror", (e) => errors.push(String(e))); p.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
await p.goto("file://" + process.argv[2]);
await p.waitForTimeout(2500);
console.log("plots:", await p.locator(".js-plotly-plot").count(), "traces:", await p.locator(".js-plotly-plot .scatterlayer .trace").count(), "errors:", errors);
await p.screenshot({ path: process.argv[3], fullPage: true });
await b.close();
