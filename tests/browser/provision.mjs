// Running a provision, end to end in a real browser (issue 10's "done when"):
// the inclusion lead refers a pupil to the school's internal AP unit and
// records an entry SWEMWBS; the unit lead assesses the referral, offers a
// place, adds a group, places the pupil with a part-time hybrid timetable and
// a reintegration plan, records a week of check-ins from the keyboard and a
// teacher SDQ, adds two mainstream sessions and ends the placement as
// reintegrated; both see the pupil's journey. Bad input is tried on the way
// (an empty referral, a double-submitted referral, an end before the start).
// axe-core runs on every page visited and must find no serious or critical
// violation.
//
// The shared helpers (step, check, runAxe, ...) come from run.mjs, so that a
// failure here is reported like every other step.

const INCLUSION_EMAIL = 'inclusion@demo.waymark.test';
const UNIT_EMAIL = 'unit@demo.waymark.test';
const GROUP_NAME = 'Browser test group';
const REFERRAL_REASON = 'Browser test: three suspensions this term and struggling in lessons';

// The SWEMWBS answers ticked (1 "None of the time" to 5 "All of the time"):
// raw 4+3+3+2+3+4+3 = 22, metric 19.98 from the conversion table.
const SWEMWBS_ANSWERS = [4, 3, 3, 2, 3, 4, 3];
const SWEMWBS_SHOWN = '19.98 (raw 22)';

// The teacher SDQ answers ticked (0 not true, 1 somewhat, 2 certainly; null
// left unanswered). Every item "somewhat true" scores 1 whether or not it is
// reverse-scored, so: emotional (3, 8, 13, 16, 24) with item 3 unanswered is
// 4 from 4 items, prorated to 5; conduct (5, 7, 12, 18, 22) with 5 and 12
// "certainly" is 2+1+2+1+1 = 7; hyperactivity 5; peer 5. Total difficulties
// 5+7+5+5 = 22: "Very high" on the teacher version (19 and above).
const SDQ_ANSWERS = Array.from({ length: 25 }, (_, i) => {
  const item = i + 1;
  if (item === 3) return null;
  if (item === 5 || item === 12) return 2;
  return 1;
});
const SDQ_TOTAL = '22 total difficulties';
const SDQ_BAND = 'Very high';

// Check-ins for Monday to Friday of last week and Monday of this week (two
// weeks, so the journey draws its check-in trend): [mood 1-5, readiness 1-3, note].
const CHECKINS = [
  [2, 1, 'Quiet, slow to settle'],
  [3, 2, 'Better after breakfast club'],
  [3, 2, ''],
  [4, 3, 'Good morning in maths'],
  [4, 3, 'Gardening went well'],
  [4, 2, 'First extra maths lesson back in school'],
];

function ymd(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function addDays(d, n) {
  const out = new Date(d);
  out.setDate(out.getDate() + n);
  return out;
}

/** The dates the flow uses, from today (the server's local date is the same machine's). */
function flowDates() {
  const today = new Date();
  today.setHours(12, 0, 0, 0);
  const monday = addDays(today, -((today.getDay() + 6) % 7));
  return {
    today: ymd(today),
    // The placement starts on the Monday two weeks ago, so last week is a whole week of check-ins.
    start: ymd(addDays(monday, -14)),
    beforeStart: ymd(addDays(monday, -15)),
    review: ymd(addDays(monday, 28)),
    plannedEnd: ymd(addDays(monday, 84)),
    lastWeek: [0, 1, 2, 3, 4].map((i) => ymd(addDays(monday, -7 + i))),
    // Two more mainstream sessions from this Monday.
    stepFrom: ymd(monday),
  };
}

/** Ticks the radio with exactly this label inside the fieldset `#name`. */
// A form marked hx-post saves through htmx: wait for its request's last response (after any
// redirect) and for htmx to finish swapping it in.
async function htmxSubmitAndWait(page, action) {
  const final = page.waitForResponse(
    (r) => ['xhr', 'fetch'].includes(r.request().resourceType()) && (r.status() < 300 || r.status() >= 400),
    { timeout: 30_000 },
  );
  await action();
  const res = await final;
  await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'));
  return res;
}

async function chooseRadio(page, name, label) {
  const radio = page.locator(`fieldset#${name}`).getByLabel(label, { exact: true });
  const n = await radio.count();
  if (n !== 1) throw new Error(`fieldset #${name} has ${n} radio(s) labelled ${JSON.stringify(label)}`);
  await radio.check();
}

/** The labels of the radios in fieldset `#name`. */
async function radioLabels(page, name) {
  return (await page.locator(`fieldset#${name} label.govuk-radios__label`).allInnerTexts()).map((t) => t.trim());
}

/** A summary list's value for `key`. */
async function summaryValue(page, key) {
  const row = page.locator('.govuk-summary-list__row').filter({
    has: page.locator('dt.govuk-summary-list__key', { hasText: new RegExp(`^${key}$`) }),
  });
  if ((await row.count()) !== 1) return null;
  return (await row.locator('dd').innerText()).trim();
}

/** The rows of the first table whose caption matches, as arrays of cell texts. */
async function tableRows(page, selector) {
  return page.locator(selector).locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent.replace(/\s+/g, ' ').trim())),
  );
}

/**
 * The first pupil on the first pages of /pupils who is on roll today (the refer form opens) and whose page
 * shows no referral, placement or assessment.
 */
async function firstPupilWithoutHistory(page, base) {
  for (let n = 1; n <= 4; n += 1) {
    const list = await (await page.request.get(`${base}/pupils?page=${n}`)).text();
    const hrefs = [...new Set([...list.matchAll(/href="(\/pupils\/\d+)"/g)].map((m) => m[1]))];
    for (const href of hrefs) {
      const html = await (await page.request.get(`${base}${href}`)).text();
      const has = (id) => new RegExp(`id="${id}"[^>]*>[^<]*</h2>\\s*<div class="wm-table-scroll">`).test(html);
      if (['referrals', 'placements', 'assessments'].some(has)) continue;
      // On roll today at a setting the caller can see, so it can be referred.
      if ((await page.request.get(`${base}${href}/refer`)).status() === 200) return href;
    }
  }
  return undefined;
}

export async function runProvisionFlow(browser, base, h) {
  const { step, check, log, gotoOk, submitAndWait, runAxe, screenshot, watchPage, checkNoProblems, signIn } = h;
  const dates = flowDates();
  log(`\n-- running a provision (placement from ${dates.start}, check-ins ${dates.lastWeek[0]} to ${dates.lastWeek[4]})`);

  const newSignedIn = async (email) => {
    const ctx = await browser.newContext(h.contextOptions);
    ctx.setDefaultTimeout(15_000);
    ctx.setDefaultNavigationTimeout(30_000);
    const page = await ctx.newPage();
    const watch = watchPage(page, base);
    await gotoOk(page, `${base}/sign-in`);
    const res = await signIn(page, email, h.password);
    check(res.status() < 400, `signing in as ${email} ended on HTTP ${res.status()}`);
    check((await page.locator('.govuk-error-summary').count()) === 0, `error summary after signing in as ${email}`);
    return { ctx, page, watch };
  };
  /** axe and no failed subresources: done on every page the flow visits. */
  const pageOk = async (page, watch, label, shot) => {
    if (shot) await screenshot(page, shot);
    await runAxe(page, label);
    checkNoProblems(watch, label);
  };
  const path = (page) => new URL(page.url()).pathname;

  const s = {}; // what the steps learn: ids and names
  const need = (...keys) => ({
    skipReason: keys.every((k) => s[k] !== undefined) ? undefined : `an earlier provision step failed (no ${keys.find((k) => s[k] === undefined)})`,
  });

  // ------------------------------------------------ the inclusion lead refers
  let lead = null;
  await step('r1. the inclusion lead lands on Today, which passes axe', async () => {
    lead = await newSignedIn(INCLUSION_EMAIL);
    const { page, watch } = lead;
    check(path(page) === '/today', `signed in, the inclusion lead landed on ${path(page)}, expected /today`);
    for (const h2 of ['Your pupils in AP elsewhere', 'Referrals out']) {
      check((await page.locator('main h2', { hasText: h2 }).count()) === 1, `Today has no "${h2}" section`);
    }
    await pageOk(page, watch, '/today (inclusion lead)', 'today-inclusion-lead');
    // The internal AP unit the school runs, from the settings the lead can see.
    await gotoOk(page, `${base}/settings`);
    s.unitName = await page.evaluate(() => {
      for (const tr of document.querySelectorAll('table tbody tr')) {
        const cells = [...tr.children];
        if (cells[1]?.textContent.trim() === 'Internal AP unit') return cells[0].childNodes[0].textContent.trim();
      }
      return undefined;
    });
    check(s.unitName, 'the inclusion lead sees no internal AP unit on /settings');
    log(`    the school's unit: ${s.unitName}`);
    await pageOk(page, watch, '/settings (inclusion lead)');
    s.lead = true;
  });

  await step(
    'r2. an empty referral is refused with an error summary linking to each field, values kept',
    async () => {
      const { page, watch } = lead;
      // A pupil with no referral, placement or assessment yet, so what the flow records is all there is.
      s.pupilHref = await firstPupilWithoutHistory(page, base);
      check(s.pupilHref, 'none of the first pupils listed is free of referrals, placements and assessments');
      s.pupilId = Number(s.pupilHref.split('/')[2]);
      await gotoOk(page, `${base}/pupils`);
      const link = page.locator(`table a[href="${s.pupilHref}"]`);
      await submitAndWait(page, () => link.click());
      s.pupilName = (await page.locator('h1').first().innerText()).trim();
      log(`    referring ${s.pupilName} (${s.pupilHref})`);
      const opened = await submitAndWait(page, () => page.getByRole('link', { name: 'Refer to a provision', exact: true }).click());
      check(opened.status() === 200, `the refer form returned HTTP ${opened.status()}`);
      check(path(page) === `${s.pupilHref}/refer`, `the refer link went to ${page.url()}`);
      await pageOk(page, watch, 'referral form', 'referral-form');
      // Only the reason: the provision, needs and what was tried are missing.
      await page.locator('#reason').fill(REFERRAL_REASON);
      const res = await submitAndWait(page, () => page.getByRole('button', { name: 'Send the referral' }).click());
      check(res.status() === 400, `an incomplete referral returned HTTP ${res.status()}, expected 400`);
      const summary = page.locator('.govuk-error-summary');
      check(await summary.isVisible(), 'no error summary after an incomplete referral');
      const targets = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      log(`    error summary links: ${targets.join(' ')}`);
      for (const want of ['#to_setting_id', '#needs', '#tried']) {
        check(targets.includes(want), `the error summary does not link to ${want}`);
      }
      for (const t of targets) {
        check((await page.locator(t).count()) === 1, `the error summary links to ${t}, which is not on the page`);
      }
      check((await page.locator('#reason').inputValue()) === REFERRAL_REASON, 'the reason typed was not kept');
      check((await page.title()).startsWith('Error: '), `the title does not start "Error: ": ${await page.title()}`);
      await pageOk(page, watch, 'referral form (errors)', 'referral-form-errors');
    },
    need('lead'),
  );

  await step(
    'r3. a complete referral to the unit is sent once, even when the form is sent twice',
    async () => {
      const { page, watch } = lead;
      const to = await radioLabels(page, 'to_setting_id');
      log(`    provisions offered: ${to.join(' | ')}`);
      await chooseRadio(page, 'to_setting_id', s.unitName);
      await chooseRadio(page, 'tier_requested', (await radioLabels(page, 'tier_requested'))[1]);
      await chooseRadio(page, 'priority', 'High');
      await page.locator('#needs').fill('Social, emotional and mental health; literacy');
      await page.locator('#tried').fill('Mentoring and a reduced timetable in school for six weeks');
      const sent = await page.locator('form[action$="/refer"]').evaluate((f) => [...new FormData(f).entries()]);
      const res = await submitAndWait(page, () => page.getByRole('button', { name: 'Send the referral' }).click());
      check(res.status() === 200, `sending the referral ended on HTTP ${res.status()}`);
      const m = path(page).match(/^\/referrals\/(\d+)$/);
      check(m, `after sending, at ${page.url()}, expected /referrals/N`);
      s.referralId = Number(m[1]);
      check((await page.locator('strong.govuk-tag').first().innerText()).trim() === 'Submitted', 'the referral is not "Submitted"');
      check((await summaryValue(page, 'Reason')) === REFERRAL_REASON, 'the referral does not show its reason');
      const attendance = await summaryValue(page, 'Attendance');
      log(`    attendance taken from the record: ${attendance}`);
      check(/% this year \(\d+ of \d+ possible sessions\)|No attendance recorded/.test(attendance ?? ''), `attendance summary: ${attendance}`);
      check(/^In the past year: \d+ incidents, \d+ suspensions/.test((await summaryValue(page, 'Behaviour')) ?? ''), 'no behaviour summary');
      await pageOk(page, watch, `/referrals/${s.referralId} (referrer)`, 'referral-submitted');
      // The same form sent again (a double click, a resend after a timeout) makes no second referral.
      const again = await page.request.post(`${base}${s.pupilHref}/refer`, { form: Object.fromEntries(sent), maxRedirects: 0 });
      check(again.status() === 303 || again.status() === 302, `sending the form again returned HTTP ${again.status()}`);
      check(
        again.headers().location === `/referrals/${s.referralId}`,
        `sending the form again went to ${again.headers().location}, not the first referral /referrals/${s.referralId}`,
      );
      await gotoOk(page, `${base}/today`);
      const out = await tableRows(page, 'table:has(caption:text("Open referrals your settings made"))');
      const mine = out.filter((r) => r[0] === s.pupilName && r[2] === s.unitName);
      check(mine.length === 1, `Today lists ${mine.length} open referral(s) of ${s.pupilName} to the unit, expected 1`);
    },
    need('lead'),
  );

  await step(
    'r4. the inclusion lead records an entry SWEMWBS, scored by Waymark with the scale credited',
    async () => {
      const { page, watch } = lead;
      await gotoOk(page, `${base}${s.pupilHref}/assessments`);
      check((await page.locator('table:has(caption:text("Scores, oldest first"))').count()) === 0, 'the pupil already has assessments');
      await pageOk(page, watch, 'assessments (before)');
      await submitAndWait(page, () => page.getByRole('link', { name: /SWEMWBS/ }).click());
      check((await page.locator('main').innerText()).includes('© NHS Health Scotland'), 'the SWEMWBS form does not credit the scale');
      await pageOk(page, watch, 'SWEMWBS form', 'swemwbs-form');
      await chooseRadio(page, 'occasion', 'On entry');
      const responses = await radioLabels(page, 'item_1');
      check(responses.length === 5, `SWEMWBS item 1 has ${responses.length} answers, expected 5`);
      for (const [i, v] of SWEMWBS_ANSWERS.entries()) await chooseRadio(page, `item_${i + 1}`, responses[v - 1]);
      await submitAndWait(page, () => page.getByRole('button', { name: 'Save and score' }).click());
      check((await page.locator('.govuk-error-summary').count()) === 0, `errors saving the SWEMWBS: ${await page.locator('.govuk-error-summary').allInnerTexts()}`);
      check(path(page) === `${s.pupilHref}/assessments`, `after saving, at ${page.url()}`);
      const rows = await tableRows(page, 'table:has(caption:text("Scores, oldest first"))');
      check(rows.length === 1, `expected the one SWEMWBS just recorded, found ${JSON.stringify(rows)}`);
      const row = rows[0];
      check(row[2] === 'SWEMWBS' && /entry/i.test(row[3]), `the row recorded: ${row.join(' | ')}`);
      check(row[4] === SWEMWBS_SHOWN, `the SWEMWBS score shows ${JSON.stringify(row[4])}, expected ${SWEMWBS_SHOWN}`);
      await pageOk(page, watch, 'assessments (SWEMWBS saved)', 'assessments-swemwbs');
      s.swemwbs = true;
    },
    need('referralId'),
  );

  // ------------------------------------------------ the unit lead takes it on
  let unit = null;
  await step(
    'r5. the unit lead sees the referral in Today and on the waiting list, and assesses it',
    async () => {
      unit = await newSignedIn(UNIT_EMAIL);
      const { page, watch } = unit;
      check(path(page) === '/today', `the unit lead landed on ${path(page)}, expected /today`);
      const inRows = await tableRows(page, 'table:has(caption:text("Open referrals to your provisions"))');
      check(inRows.some((r) => r[0] === s.pupilName && r[4] === 'Submitted'), `Today's referrals in do not list ${s.pupilName} as submitted`);
      await pageOk(page, watch, '/today (unit lead)', 'today-unit-lead');
      await gotoOk(page, `${base}/settings`);
      const wl = page.locator('a[href$="/waiting-list"]', { hasText: 'Waiting list' }).filter({ hasText: s.unitName });
      check((await wl.count()) === 1, `no waiting list link for ${s.unitName} on the unit lead's /settings`);
      await submitAndWait(page, () => wl.click());
      s.unitId = Number(path(page).split('/')[2]);
      const rows = await tableRows(page, 'main table');
      const row = rows.find((r) => r[0] === s.pupilName);
      check(row, `${s.pupilName} is not on the waiting list`);
      check(row[3] === '0' && row[4] === 'High' && row[6] === 'Submitted', `waiting list row: ${row.join(' | ')}`);
      await pageOk(page, watch, 'waiting list', 'waiting-list');
      await submitAndWait(page, () => page.getByRole('link', { name: s.pupilName, exact: true }).first().click());
      check(path(page) === `/referrals/${s.referralId}`, `the waiting list link went to ${page.url()}`);
      await pageOk(page, watch, `/referrals/${s.referralId} (provision)`);
      for (const [label, tag] of [
        ['Under assessment', 'Under assessment'],
        ['Place offered', 'Place offered'],
      ]) {
        await chooseRadio(page, 'status', label);
        await submitAndWait(page, () => page.getByRole('button', { name: 'Save', exact: true }).click());
        const now = (await page.locator('strong.govuk-tag').first().innerText()).trim();
        check(now === tag, `after moving the referral to ${label} it shows ${JSON.stringify(now)}`);
      }
      const history = await tableRows(page, 'table:has(caption:text("Each step of the referral"))');
      check(
        history.map((r) => r[1]).join(',') === 'Submitted,Under assessment,Place offered',
        `the referral's history: ${history.map((r) => r[1]).join(', ')}`,
      );
      check(history.slice(1).every((r) => r[2].includes(UNIT_EMAIL) || r[2].length > 0), 'a step without who acted');
      await pageOk(page, watch, `/referrals/${s.referralId} (offered)`, 'referral-offered');
    },
    need('referralId'),
  );

  await step(
    'r6. the unit lead adds a group on the capacity page',
    async () => {
      const { page, watch } = unit;
      await gotoOk(page, `${base}/provisions/${s.unitId}/capacity`);
      await pageOk(page, watch, 'capacity');
      await page.locator('#name').fill(GROUP_NAME);
      await page.locator('#size_limit').fill('8');
      await page.locator('#hard_limit').fill('9');
      await page.locator('#teacher').fill('Ms Rivers');
      await page.locator('#support_adult').fill('Mr Grant');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Add the group' }).click());
      check((await page.locator('.govuk-error-summary').count()) === 0, 'errors adding the group');
      const row = page.locator('tbody tr').filter({ has: page.locator('th', { hasText: GROUP_NAME }) });
      check((await row.count()) === 1, `the capacity page has no row for ${GROUP_NAME}`);
      const href = await row.locator('a[href$="/checkin"]').getAttribute('href');
      s.groupId = Number(href.split('/')[2]);
      const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
      check(cells.length === 13 && cells.every((c) => c === '0 (8 free)'), `the new group's weeks: ${cells.join(' | ')}`);
      await pageOk(page, watch, 'capacity (group added)', 'capacity');
    },
    need('unitId'),
  );

  await step(
    'r7. the unit lead places the pupil with a part-time hybrid timetable, and an end before the start is refused',
    async () => {
      const { page, watch } = unit;
      await gotoOk(page, `${base}/referrals/${s.referralId}`);
      await submitAndWait(page, () => page.getByRole('link', { name: 'Make the placement' }).click());
      check(path(page) === `/referrals/${s.referralId}/place`, `Make the placement went to ${page.url()}`);
      await pageOk(page, watch, 'placement form', 'placement-form');
      await page.locator('#start').fill(dates.start);
      await page.locator('#review').fill(dates.review);
      await page.locator('#planned_end').fill(dates.plannedEnd);
      await page.locator('#weekly_cost').fill('450');
      await page.locator('#ap_sessions').fill('6');
      await page.locator('#mainstream_sessions').fill('2');
      await page.locator('#mainstream_subjects').fill('maths');
      await page.locator('#group_id').selectOption({ label: `${GROUP_NAME} (size 8, hard limit 9)` });
      await submitAndWait(page, () => page.getByRole('button', { name: 'Make the placement' }).click());
      check((await page.locator('.govuk-error-summary').count()) === 0, `errors placing: ${await page.locator('.govuk-error-summary').allInnerTexts()}`);
      const m = path(page).match(/^\/placements\/(\d+)$/);
      check(m, `after placing, at ${page.url()}`);
      s.placementId = Number(m[1]);
      check((await summaryValue(page, 'Group')) === GROUP_NAME, 'the placement is not in the group');
      check((await summaryValue(page, 'Weekly cost')) === '£450.00 a week', 'the weekly cost is not shown');
      const warning = (await page.locator('.govuk-warning-text').innerText()).replace(/\s+/g, ' ');
      check(/Part-time timetable for \d+ (days|weeks): fewer than 10 sessions a week/.test(warning), `part-time warning: ${warning}`);
      const steps = await tableRows(page, 'table:has(caption:text("Sessions a week, by period"))');
      check(steps.length === 1 && steps[0][2] === '6' && steps[0][3] === '2' && steps[0][4].startsWith('8 Part-time'), `timetable: ${JSON.stringify(steps)}`);
      await pageOk(page, watch, `/placements/${s.placementId}`, 'placement');
      // An end before the start is refused, with the date typed kept.
      await page.locator('#end_date').fill(dates.beforeStart);
      await chooseRadio(page, 'outcome', (await radioLabels(page, 'outcome'))[0]);
      const res = await submitAndWait(page, () => page.getByRole('button', { name: 'End the placement' }).click());
      check(res.status() === 400, `ending before the start returned HTTP ${res.status()}, expected 400`);
      const summary = (await page.locator('.govuk-error-summary').innerText()).replace(/\s+/g, ' ');
      check(summary.includes('cannot end before it starts'), `the error summary says: ${summary}`);
      check((await page.locator('.govuk-error-summary a[href="#end_date"]').count()) === 1, 'the error does not link to #end_date');
      check((await page.locator('#end_date').inputValue()) === dates.beforeStart, 'the end date typed was not kept');
      check((await summaryValue(page, 'Ended')) === 'Not ended', 'the refused end was saved');
      await pageOk(page, watch, `/placements/${s.placementId} (end refused)`, 'placement-end-refused');
    },
    need('groupId'),
  );

  await step(
    'r8. a reintegration plan draws its target steps against what happened',
    async () => {
      const { page, watch } = unit;
      await gotoOk(page, `${base}/placements/${s.placementId}`);
      await page.locator('#first').fill(dates.stepFrom);
      await page.locator('#add').fill('2');
      await page.locator('#every_weeks').fill('3');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Save the plan' }).click());
      check((await page.locator('.govuk-error-summary').count()) === 0, 'errors saving the plan');
      check((await page.locator('main svg').count()) >= 1, 'no chart of the plan');
      const plan = await tableRows(page, 'main details table');
      check(plan.length >= 3, `the plan table has ${plan.length} rows`);
      // Weeks before the first step: no target; the first step's week: 2 + 2 = 4.
      check(plan[0][1] === '–' && plan[0][2] === '2', `the first week of the plan: ${plan[0].join(' | ')}`);
      const first = plan.find((r) => r[1] !== '–');
      check(first && first[1] === '4', `the first target: ${first?.join(' | ')}`);
      await pageOk(page, watch, `/placements/${s.placementId} (plan)`, 'placement-plan');
    },
    need('placementId'),
  );

  await step(
    'r9. a week of check-ins (and this Monday) for the group, typed from the keyboard, and the week view',
    async () => {
      const { page, watch } = unit;
      for (const [i, day] of [...dates.lastWeek, dates.stepFrom].entries()) {
        await gotoOk(page, `${base}/groups/${s.groupId}/checkin?date=${day}`);
        const mood = page.locator(`#mood_${s.pupilId}`);
        check((await mood.count()) === 1, `no check-in line for ${s.pupilName} on ${day}`);
        if (i === 0) await pageOk(page, watch, 'check-in', 'checkin');
        const [m, r, note] = CHECKINS[i];
        await mood.focus();
        await page.keyboard.type(String(m));
        await page.keyboard.press('Tab');
        await page.keyboard.type(String(r));
        await page.keyboard.press('Tab');
        if (note) await page.keyboard.type(note);
        check((await page.locator(`#ready_${s.pupilId}`).inputValue()) === String(r), 'Tab did not move from mood to readiness');
        // With JavaScript the form saves through htmx: no page load, the form swapped in place.
        await page.evaluate(() => { window.wmSamePage = true; });
        const saved = await htmxSubmitAndWait(page, () => page.keyboard.press('Enter'));
        check(saved.status() === 200, `saving the check-in for ${day} returned HTTP ${saved.status()}`);
        check(await page.evaluate(() => window.wmSamePage === true), `the page reloaded saving the check-in for ${day}`);
        check((await page.locator('.govuk-error-summary').count()) === 0, `errors saving the check-in for ${day}`);
        check((await page.locator('.govuk-inset-text', { hasText: 'saved' }).count()) === 1, `no "saved" after the check-in for ${day}`);
        check((await page.locator(`#mood_${s.pupilId}`).inputValue()) === String(m), `the mood saved for ${day} is not shown`);
      }
      // A mood out of range is refused for that pupil.
      await gotoOk(page, `${base}/groups/${s.groupId}/checkin?date=${dates.lastWeek[0]}`);
      await page.locator(`#mood_${s.pupilId}`).fill('7');
      const bad = await htmxSubmitAndWait(page, () => page.getByRole('button', { name: 'Save check-ins' }).click());
      check(bad.status() === 400, `a mood of 7 returned HTTP ${bad.status()}`);
      check((await page.locator('.govuk-error-summary').innerText()).includes('Mood must be'), 'no error for a mood of 7');
      await pageOk(page, watch, 'check-in (mood out of range)', 'checkin-error');
      await gotoOk(page, `${base}/groups/${s.groupId}/week?date=${dates.lastWeek[0]}`);
      const rows = await page.locator('main table tbody tr').evaluateAll((trs) =>
        trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())),
      );
      const row = rows.find((r) => r[0] === s.pupilName);
      check(row, `the week view has no row for ${s.pupilName}`);
      for (const [i, [m]] of CHECKINS.slice(0, 5).entries()) {
        check(row[i + 1].startsWith(`Mood ${m},`), `the week view on day ${i + 1} shows ${JSON.stringify(row[i + 1])}`);
      }
      await pageOk(page, watch, 'check-in week', 'checkin-week');
      s.checkins = true;
    },
    need('placementId'),
  );

  await step(
    'r10. the unit lead records a teacher SDQ with an item unanswered; the prorated score and band are computed',
    async () => {
      const { page, watch } = unit;
      await gotoOk(page, `${base}${s.pupilHref}/assessments/new?instrument=sdq-teacher`);
      await pageOk(page, watch, 'SDQ form', 'sdq-form');
      await chooseRadio(page, 'occasion', 'Review');
      const responses = await radioLabels(page, 'item_1');
      check(responses.length === 4 && responses[3] === 'Not answered', `SDQ answers: ${responses.join(' | ')}`);
      for (const [i, v] of SDQ_ANSWERS.entries()) {
        if (v !== null) await chooseRadio(page, `item_${i + 1}`, responses[v]);
      }
      await submitAndWait(page, () => page.getByRole('button', { name: 'Save and score' }).click());
      check((await page.locator('.govuk-error-summary').count()) === 0, `errors saving the SDQ: ${await page.locator('.govuk-error-summary').allInnerTexts()}`);
      const rows = await tableRows(page, 'table:has(caption:text("Scores, oldest first"))');
      const row = rows.find((r) => r[2].startsWith('SDQ'));
      check(row, `no SDQ row among ${JSON.stringify(rows)}`);
      check(row[1] === s.unitName, `the SDQ was taken at ${row[1]}, expected ${s.unitName}`);
      check(row[4] === SDQ_TOTAL && row[5] === SDQ_BAND, `the SDQ shows ${row[4]}, ${row[5]}; expected ${SDQ_TOTAL}, ${SDQ_BAND}`);
      await pageOk(page, watch, 'assessments (SDQ saved)', 'assessments-sdq');
      s.sdq = true;
    },
    need('placementId'),
  );

  await step(
    'r11. two more mainstream sessions make the timetable full-time',
    async () => {
      const { page, watch } = unit;
      await gotoOk(page, `${base}/placements/${s.placementId}`);
      await page.locator('#from_date').fill(dates.stepFrom);
      await page.locator('#ap_sessions').fill('6');
      await page.locator('#mainstream_sessions').fill('4');
      await page.locator('#mainstream_subjects').fill('maths, English');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Save the change' }).click());
      check((await page.locator('.govuk-error-summary').count()) === 0, `errors changing the timetable: ${await page.locator('.govuk-error-summary').allInnerTexts()}`);
      const steps = await tableRows(page, 'table:has(caption:text("Sessions a week, by period"))');
      check(steps.length === 2, `the timetable has ${steps.length} periods, expected 2`);
      check(steps[1][3] === '4' && steps[1][4] === '10' && steps[1][5] === 'maths, English', `the new period: ${steps[1].join(' | ')}`);
      check((await page.locator('.govuk-warning-text').count()) === 0, 'still flagged part-time after moving to 10 sessions');
      await pageOk(page, watch, `/placements/${s.placementId} (full-time)`, 'placement-full-time');
      s.stepped = true;
    },
    need('placementId'),
  );

  await step(
    'r12. the placement ends as reintegrated',
    async () => {
      const { page, watch } = unit;
      await gotoOk(page, `${base}/placements/${s.placementId}`);
      await page.locator('#end_date').fill(dates.today);
      const outcomes = await radioLabels(page, 'outcome');
      const back = outcomes.find((o) => /^Reintegrated/i.test(o));
      check(back, `no reintegrated outcome among ${outcomes.join(' | ')}`);
      await chooseRadio(page, 'outcome', back);
      await submitAndWait(page, () => page.getByRole('button', { name: 'End the placement' }).click());
      check((await page.locator('.govuk-error-summary').count()) === 0, `errors ending: ${await page.locator('.govuk-error-summary').allInnerTexts()}`);
      check((await summaryValue(page, 'Outcome')) === back, `the outcome shows ${await summaryValue(page, 'Outcome')}`);
      check((await summaryValue(page, 'Ended')) !== 'Not ended', 'the placement did not end');
      check((await page.locator('form[action$="/end"]').count()) === 0, 'an ended placement can still be ended');
      await pageOk(page, watch, `/placements/${s.placementId} (ended)`, 'placement-ended');
      s.ended = true;
    },
    need('stepped'),
  );

  await step(
    'r13. the journey shows the whole flow to the unit lead and to the referring school',
    async () => {
      for (const [who, { page, watch }] of [
        ['unit lead', unit],
        ['inclusion lead', lead],
      ]) {
        await gotoOk(page, `${base}${s.pupilHref}/journey`);
        const events = await tableRows(page, 'table:has(caption:text("Timeline"))');
        const text = events.map((r) => r.join(' | ')).join('\n');
        for (const want of [REFERRAL_REASON.slice(0, 20), s.unitName, 'Reintegrated']) {
          check(text.toLowerCase().includes(want.toLowerCase()), `the ${who}'s journey does not mention ${JSON.stringify(want)}:\n${text}`);
        }
        // Check-ins in two weeks: a trend chart (one SDQ alone is a table row, not a chart).
        const charts = await page.locator('main svg').count();
        check(charts >= 1, `the ${who}'s journey has no chart`);
        // The SWEMWBS was taken at the school, which the unit lead cannot see; the SDQ at the unit.
        const scores = await tableRows(page, 'table:has(caption:text("Assessment scores"))');
        const wanted = who === 'unit lead' ? ['SDQ'] : ['SDQ', 'SWEMWBS'];
        for (const w of wanted) {
          check(scores.some((r) => r[1].startsWith(w)), `the ${who}'s journey has no ${w} score: ${JSON.stringify(scores)}`);
        }
        const weeks = await tableRows(page, 'table:has(caption:text("Check-ins by week"))');
        check(
          weeks.length === 2 && weeks[0][3] === '5' && weeks[1][3] === '1',
          `the ${who}'s journey check-in weeks: ${JSON.stringify(weeks)}, expected 5 then 1 day`,
        );
        // Last week's mean mood: (2+3+3+4+4)/5 = 3.2.
        check(weeks[0][1].startsWith('3.2'), `last week's mean mood shows ${weeks[0][1]}, expected 3.2`);
        await pageOk(page, watch, `journey (${who})`, `journey-${who.replace(' ', '-')}`);
      }
    },
    need('ended', 'sdq', 'checkins', 'swemwbs'),
  );

  if (unit) await unit.ctx.close();
  if (lead) await lead.ctx.close();
}
