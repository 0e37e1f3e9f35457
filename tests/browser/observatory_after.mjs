// What happens after exclusion (issue 12) in a real browser: a new measure's
// map (PRU persistent absence, then NEET of 16-17 year olds, whose source
// dates years by calendar year), the observatory's "After exclusion in
// numbers" with its quoted-not-computed figures, and an LA profile's "After
// exclusion" section. axe-core runs on every page and must find no serious or
// critical violation. Run alone with WAYMARK_BROWSER_ONLY=after.
//
// The shared helpers (step, check, runAxe, ...) come from run.mjs.

export async function runAfterExclusionFlow(browser, base, h) {
  const { step, check, log, gotoOk, submitAndWait, runAxe, screenshot, watchPage, checkNoProblems } = h;
  log('\n-- after exclusion: maps, headline facts and an LA profile');
  const ctx = await browser.newContext(h.contextOptions);
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(30_000);
  const page = await ctx.newPage();
  const watch = watchPage(page, base);

  await step('after-a. a new measure is a map of every LA with its source, caveat and table', async () => {
    await gotoOk(page, `${base}/explore?measure=after-pru-persistent-absence&year=2022/23`);
    const h1 = (await page.locator('h1').innerText()).trim();
    check(/PRU enrolments persistently absent.*2022\/23/.test(h1), `heading names the measure and year: ${h1}`);
    const areas = await page.locator('svg.wm-map a path').count();
    check(areas >= 150, `expected about 150 LA shapes, found ${areas}`);
    const rows = await page.locator('table.govuk-table tbody tr').count();
    check(rows >= 150, `the table lists every LA (found ${rows} rows)`);
    const caption = await page.locator('table.govuk-table caption').first().innerText();
    check(/Pupil absence in schools in England/.test(caption), `the table names its source: ${caption}`);
    check((await page.getByText('No figures for 2019/20').count()) >= 1, 'the caveat is on the page');
    await screenshot(page, 'after-map-pru-persistent-absence');
    await runAxe(page, '/explore?measure=after-pru-persistent-absence');
    checkNoProblems(watch, 'after-exclusion map');
  });

  await step('after-b. choosing NEET by SEN from the form draws its map for the year asked', async () => {
    await page.locator('select[name="measure"]').selectOption('after-neet-nk-ehcp');
    await page.locator('select[name="year"]').selectOption('2022/23');
    await submitAndWait(page, () => page.getByRole('button', { name: 'Show map', exact: true }).click());
    const h1 = (await page.locator('h1').innerText()).trim();
    check(/EHC plan NEET or not known, 2022\/23/.test(h1), `heading: ${h1}`);
    check((await page.locator('svg.wm-map a path').count()) >= 150, 'map redrawn');
    const source = await page.locator('table.govuk-table caption').first().innerText();
    check(/the source's 2023/.test(source), `the source's own year is named: ${source}`);
    await runAxe(page, '/explore?measure=after-neet-nk-ehcp');
    checkNoProblems(watch, 'NEET map');
  });

  await step('after-c. the observatory shows after-exclusion facts, and marks quoted figures', async () => {
    const facts = page.locator('#after-exclusion + p + ul');
    const text = await facts.innerText();
    check(/66\.5% against 93\.1%/.test(text), `the AP destination gap is computed: ${text}`);
    check(/13,191 pupils/.test(text), `pupils in AP schools: ${text}`);
    const quoted = await page.locator('.govuk-tag', { hasText: 'Quoted, not computed' }).count();
    check(quoted >= 2, `quoted figures are marked (found ${quoted})`);
  });

  await step('after-d. an LA profile has an "After exclusion" section against England, and passes axe', async () => {
    await gotoOk(page, `${base}/explore/la/202`);
    const section = page.locator('h2#after-exclusion');
    check((await section.count()) === 1, 'an "After exclusion" heading');
    const table = page.locator('table', { has: page.locator('caption', { hasText: 'After exclusion' }) });
    const rows = await table.locator('tbody tr').count();
    check(rows >= 15, `the section lists the measures (found ${rows})`);
    const body = await table.innerText();
    check(/Not published by LA/.test(body), 'destinations say they are not published by LA');
    check(/66\.5%/.test(body), "England's destination figure stands in");
    const gaps = await page.locator('table', { has: page.locator('caption', { hasText: 'Measures with no figure' }) }).innerText();
    check(/KS4 destinations of AP leavers/.test(gaps), 'the unpublished LA figures are listed under data gaps');
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'after-la-profile');
    await runAxe(page, 'LA profile with After exclusion');
    checkNoProblems(watch, 'LA profile');
  });

  await ctx.close();
}
