// Issue 11's views in a real browser: a provision's outcomes (as the PRU's head
// and as the LA), a referring school's (as the school), the commissioner's
// view with its funnel plots (as the LA and as the trust), the duty checks, and
// the printable provision report (its print stylesheet emulated). axe-core runs
// on every page and must find no serious or critical violation; every page is
// screenshotted at desktop and phone width and must not scroll sideways on the
// phone except inside its wide tables.
//
// WAYMARK_BROWSER_ONLY=outcomes runs only this flow. The helpers come from run.mjs.

const LA_EMAIL = 'la@demo.waymark.test';
const PRU_EMAIL = 'pru@demo.waymark.test';
const SCHOOL_EMAIL = 'setting@demo.waymark.test';
const TRUST_EMAIL = 'trust@demo.waymark.test';

export async function runOutcomesFlow(browser, base, h) {
  const { step, check, log, gotoOk, runAxe, screenshot, watchPage, checkNoProblems, signIn, withPhone } = h;
  log('\n-- outcome views (provision, referring school, commissioner, duty checks, printable report)');

  const newSignedIn = async (email) => {
    const ctx = await browser.newContext(h.contextOptions);
    ctx.setDefaultTimeout(15_000);
    ctx.setDefaultNavigationTimeout(30_000);
    const page = await ctx.newPage();
    const watch = watchPage(page, base);
    await gotoOk(page, `${base}/sign-in`);
    const res = await signIn(page, email, h.password);
    check(res.status() < 400, `signing in as ${email} ended on HTTP ${res.status()}`);
    return { ctx, page, watch };
  };
  /** Visit `url`, check it, run axe, screenshot it at desktop and phone width. */
  const visit = async (who, url, label, shot, checks) => {
    const { ctx, page, watch } = who;
    await gotoOk(page, `${base}${url}`);
    await checks(page);
    await screenshot(page, shot);
    await runAxe(page, label);
    checkNoProblems(watch, label);
    await withPhone(browser, ctx, h.contextOptions, base, async (p, w) => {
      await gotoOk(p, `${base}${url}`);
      await screenshot(p, `${shot}-phone`);
      await runAxe(p, `${label} (phone)`);
      checkNoProblems(w, `${label} (phone)`);
      const overflow = await p.evaluate(() => {
        const doc = document.documentElement;
        return doc.scrollWidth - doc.clientWidth;
      });
      check(overflow <= 1, `${label} scrolls sideways by ${overflow}px on a phone`);
    });
  };
  const text = async (page) => page.locator('main').innerText();
  const s = {};

  await step('o1. the PRU head sees the provision outcomes over the years', async () => {
    const pru = await newSignedIn(PRU_EMAIL);
    await gotoOk(pru.page, `${base}/settings`);
    const href = await pru.page.locator('a[href$="/outcomes"][href^="/provisions/"]').first().getAttribute('href');
    check(href, 'the PRU head has no outcomes link on /settings');
    s.provision = href.split('/')[2];
    await visit(pru, href, 'provision outcomes (PRU head)', 'outcomes-provision-pru', async (page) => {
      const t = await text(page);
      for (const want of ['The five AP outcomes', 'Holistic measures', 'Over the years', 'definition reintegration, version 1']) {
        check(t.includes(want), `the provision outcomes page lacks "${want}"`);
      }
      check((await page.locator('a[href$="/report"]').count()) === 1, 'no link to the printable report');
    });
    await pru.ctx.close();
  });

  await step('o2. the LA sees the provision beside the LA, and the printable report', async () => {
    check(s.provision, 'no provision id from o1');
    const la = await newSignedIn(LA_EMAIL);
    await visit(la, `/provisions/${s.provision}/outcomes`, 'provision outcomes (LA)', 'outcomes-provision-la', async (page) => {
      const t = await text(page);
      check(!t.includes('not in your view'), 'the LA should see its own figure beside the provision');
    });
    await visit(la, `/provisions/${s.provision}/report`, 'printable report (LA)', 'outcomes-report', async (page) => {
      const pages = await page.locator('section.wm-print-page').count();
      check(pages >= 6, `the report has ${pages} printed pages, expected one per outcome and the holistic measures`);
      // The demo's figures are small, so most are c: every page has its chart or says why not.
      const charts = await page.locator('section.wm-print-page svg.wm-chart').count();
      const why = await page.locator('section.wm-print-page p', { hasText: 'No chart:' }).count();
      log(`    report: ${pages} pages, ${charts} charts, ${why} saying why there is none`);
      check(charts + why === pages - 1, `each outcome page needs a chart or a reason (${charts} + ${why} of ${pages - 1})`);
      check((await page.locator('section.wm-print-page table').count()) === pages, 'every report page has its table of numbers');
      await page.emulateMedia({ media: 'print' });
      const hidden = await page.locator('.govuk-header').isHidden();
      check(hidden, 'the print stylesheet should hide the header');
      const breaks = await page.locator('section.wm-print-page').nth(1).evaluate((el) => getComputedStyle(el).breakBefore);
      check(breaks === 'page', `each outcome should start a printed page (break-before ${breaks})`);
      await screenshot(page, 'outcomes-report-print');
      await page.emulateMedia({ media: 'screen' });
    });
    await visit(la, '/commissioner', 'commissioner (LA)', 'commissioner-la', async (page) => {
      const t = await text(page);
      for (const want of ['Providers compared', 'Data completeness', 'Cost per outcome achieved', 'Every placement']) {
        check(t.includes(want), `the commissioner view lacks "${want}"`);
      }
      const plots = await page.locator('svg.wm-chart').count();
      log(`    ${plots} funnel plots`);
      const placements = await page.locator('section[aria-labelledby="placements"] tbody tr').count();
      log(`    ${placements} placements listed`);
    });
    await visit(la, '/duty-checks', 'duty checks (LA)', 'duty-checks-la', async (page) => {
      const t = await text(page);
      for (const want of ['sixth school day', 'Part-time timetables longer than', 'fewer than 10 sessions', 'waiting more than']) {
        check(t.includes(want), `the duty checks lack "${want}"`);
      }
      check((await page.locator('form[action="/duty-checks/limits"]').count()) === 1, 'the LA cannot set its limits');
    });
    await la.ctx.close();
  });

  await step('o3. the referring school sees the outcomes of the pupils it moved out', async () => {
    const school = await newSignedIn(SCHOOL_EMAIL);
    await gotoOk(school.page, `${base}/settings`);
    const href = await school.page.locator('a[href^="/schools/"][href$="/outcomes"]').first().getAttribute('href');
    check(href, 'the school has no outcomes link on /settings');
    await visit(school, href, 'referring school outcomes', 'outcomes-school', async (page) => {
      const t = await text(page);
      check(t.includes('Pupils this school moved out'), 'the school view names its column');
    });
    await school.ctx.close();
  });

  await step('o4. the trust sees its own commissioner view', async () => {
    const trust = await newSignedIn(TRUST_EMAIL);
    await visit(trust, '/commissioner', 'commissioner (trust)', 'commissioner-trust', async (page) => {
      const t = await text(page);
      check(t.includes('Providers compared') && t.includes('trust'), 'the trust view is not the trust\'s');
    });
    await trust.ctx.close();
  });
}
