//! The public observatory as a new user meets it (issue 9): every choice the map form offers
//! answers, impossible URLs re-show the form, figures name their source per year, and no cell
//! is wrong in the ways the issue found.

mod common;
use common::*;

use reqwest::{Client, StatusCode};
use std::collections::BTreeSet;
use waymark_store::testing::TestDb;

async fn get(c: &Client, url: &str) -> (StatusCode, String) {
    let res = c.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The `value`s of the options of the `<select>` with this id.
fn options(html: &str, id: &str) -> Vec<String> {
    let Some(at) = html.find(&format!("id=\"{id}\"")) else { return Vec::new() };
    let select = &html[at..at + html[at..].find("</select>").unwrap()];
    select.split("<option value=\"").skip(1).map(|p| p[..p.find('"').unwrap()].to_string()).collect()
}

/// Walk every measure × school type × year the map form offers (the union over every measure's
/// page): none may fail, and every answer is a map with figures.
#[tokio::test]
async fn every_choice_the_map_form_offers_answers() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (status, home) = get(&c, &format!("{base}/explore")).await;
    assert_eq!(status, StatusCode::OK);
    let measures = options(&home, "measure");
    assert!(measures.len() >= 40, "{} measures", measures.len());
    let (mut types, mut years) = (BTreeSet::new(), BTreeSet::new());
    for m in &measures {
        let (status, page) = get(&c, &format!("{base}/explore?measure={m}")).await;
        assert_eq!(status, StatusCode::OK, "{m}");
        types.extend(options(&page, "type"));
        years.extend(options(&page, "year"));
    }
    assert_eq!(types.len(), 4, "{types:?}");
    assert!(years.len() >= 18, "{years:?}");
    let mut walked = 0;
    for m in &measures {
        for t in &types {
            for y in &years {
                let url = format!("{base}/explore?measure={m}&type={t}&year={y}");
                let (status, page) = get(&c, &url).await;
                assert_eq!(status, StatusCode::OK, "{url}");
                assert!(page.contains("<h2 class=\"govuk-heading-m\" id=\"table\">The figures</h2>"), "{url}");
                walked += 1;
            }
        }
    }
    assert!(walked >= 2_880, "walked {walked}");
    db.finish().await;
}

/// A year the measure lacks snaps to its nearest published year and says so; a school type
/// without figures falls back to all schools; the form offers only the measure's own years.
#[tokio::test]
async fn the_map_snaps_to_what_is_published() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let reason = "perm-reason-drug-and-alcohol-related";
    let (status, page) = get(&c, &format!("{base}/explore?measure={reason}&year=2023/24")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("2016/17, the nearest year it is"), "notice");
    let years = options(&page, "year");
    assert_eq!(years.first().map(String::as_str), Some("2016/17"));
    assert!(!years.contains(&"2017/18".to_string()));
    let (status, page) = get(&c, &format!("{base}/explore?measure=ap-placements&year=2016/17")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("AP placements by setting type, 2022/23"));
    // Not by school type: no school type choice.
    assert!(options(&page, "type").is_empty());
    db.finish().await;
}

/// An impossible URL re-shows the form, with a GOV.UK error summary and a way back.
#[tokio::test]
async fn an_impossible_map_url_reshows_the_form() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    for (query, field, says) in [
        ("measure=nonsense", "measure", "There is no measure called"),
        ("year=1990/91", "year", "There are no figures for 1990/91"),
        ("year=soon", "year", "Choose a year from the list"),
        ("type=nursery", "type", "is not a school type"),
    ] {
        let (status, page) = get(&c, &format!("{base}/explore?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.contains("govuk-error-summary") && page.contains(&format!("href=\"#{field}\"")), "{query}");
        assert!(page.contains(says), "{query}");
        assert!(page.contains("<form method=\"get\" action=\"/explore\""), "{query}: the form");
        assert!(page.contains("href=\"/explore\">go back to the map</a>"), "{query}: a way back");
    }
    db.finish().await;
}

/// Figures from 2017/18 on come from LAIT and say so; 2016/17 and before credit the release.
#[tokio::test]
async fn each_table_names_the_source_of_its_year() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (_, later) = get(&c, &format!("{base}/explore?measure=perm&year=2019/20")).await;
    let caption = &later[later.find("by local authority. Source:").unwrap()..];
    let caption = &caption[..caption.find("</caption>").unwrap()];
    assert!(caption.contains("LAIT") && !caption.contains("2016/17 release"), "{caption}");
    let (_, earlier) = get(&c, &format!("{base}/explore?measure=perm&year=2012/13")).await;
    let caption = &earlier[earlier.find("by local authority. Source:").unwrap()..];
    let caption = &caption[..caption.find("</caption>").unwrap()];
    assert!(caption.contains("2016/17 release") && !caption.contains("LAIT"), "{caption}");
    let (_, csv) = get(&c, &format!("{base}/explore.csv?measure=susp&year=2020/21")).await;
    assert!(csv.lines().next().unwrap().ends_with(",source"));
    assert!(csv.lines().nth(1).unwrap().contains("LAIT"));
    // The LA trend tables: a source per year.
    let (_, trends) = get(&c, &format!("{base}/explore/la/202.csv?table=trends")).await;
    let row = |year: &str| trends.lines().find(|l| l.contains(&format!("Permanent exclusion rate,{year}"))).unwrap();
    assert!(row("2016/17").contains("2016/17 release"), "{}", row("2016/17"));
    assert!(row("2018/19").contains("LAIT"), "{}", row("2018/19"));
    db.finish().await;
}

/// Camden is compared with Inner London, and says so; its neighbours all exist today.
#[tokio::test]
async fn london_boroughs_name_their_half_of_london() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (_, camden) = get(&c, &format!("{base}/explore/la/202")).await;
    assert!(camden.contains("Camden against Inner London, or London where published and England"));
    assert!(camden.contains("(Inner London)</td>"));
    assert!(!camden.contains("href=\"/explore/la/836\""), "Poole was abolished in 2019");
    let (_, bromley) = get(&c, &format!("{base}/explore/la/305")).await;
    assert!(bromley.contains("Outer London"));
    db.finish().await;
}

/// No page shows negative zero; Bedfordshire 2008/09 and its cost come from the counts that exist.
#[tokio::test]
async fn no_negative_zero_and_no_fake_zero() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (_, ap) = get(&c, &format!("{base}/explore?measure=ap-unregistered")).await;
    assert!(ap.contains(">0.0<"), "LAs with no unregistered placements read 0.0");
    assert!(!ap.contains(">-0.0<") && !ap.contains("-0.0 "), "negative zero on the page");
    let (_, map) = get(&c, &format!("{base}/explore?measure=perm&year=2008/09&sort=name")).await;
    let at = map.find(">Bedfordshire</a>").unwrap();
    let row = &map[at..at + map[at..].find("</tr>").unwrap()];
    assert!(row.contains(">0.16<"), "98 of 62,884 pupils: {row}");
    let (_, cost) = get(&c, &format!("{base}/explore/cost?area=820&year=2008/09")).await;
    assert!(!cost.contains("£0") && !cost.contains(" 0 pupils"), "cost page says £0");
    assert!(cost.contains("98 pupils"), "98 pupils permanently excluded");
    assert!(cost.contains("under Bedford and Central Bedfordshire"), "the page says where the count comes from");
    let (_, trends) = get(&c, &format!("{base}/explore/la/820.csv?table=trends")).await;
    let row = trends.lines().find(|l| l.contains("Permanent exclusion rate,2008/09")).unwrap();
    assert!(row.contains(",0.16,") && row.contains("Waymark sums them"), "{row}");
    db.finish().await;
}

/// The cost page shows IPPR's own figures beside Waymark's recomputation, and an invalid cost is
/// an error on the page: the entry is kept as typed and no total is made up from the default.
#[tokio::test]
async fn cost_page_shows_the_source_figure_and_refuses_bad_costs() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (status, page) = get(&c, &format!("{base}/explore/cost")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("£370,000") && page.contains("£2.1 billion"), "IPPR's own figures");
    assert!(page.contains("IPPR"));
    for bad in ["lots", "-5", "1e9", "370000000000"] {
        let (status, page) = get(&c, &format!("{base}/explore/cost?cost={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(page.contains("govuk-error-summary") && page.contains("href=\"#cost\""), "{bad}");
        assert!(
            page.contains("govuk-input--error") && page.contains(&format!("value=\"{bad}\"")),
            "{bad}: kept as typed"
        );
        assert!(page.contains("id=\"cost-error\""), "{bad}: message by the field");
        assert!(!page.contains("wm-cost-panel"), "{bad}: no total worked out from a cost not entered");
    }
    db.finish().await;
}

/// The cold-spot index says what it measures (education after exclusion, the exclusion rate as
/// context), names each LA's missing components, shows how firm each rank is, lists the LAs
/// whose data is not available, and its method page gives each component's weight, direction,
/// year and source file.
#[tokio::test]
async fn cold_spots_say_what_they_measure_and_how_sure() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (_, page) = get(&c, &format!("{base}/explore/cold-spots")).await;
    assert!(page.contains("where excluded children have the poorest chance of a good education afterwards"));
    assert!(page.contains("The exclusion rate is shown beside it as context and carries no weight"));
    assert!(page.contains("Rank (range leaving out any one component)"));
    assert!(page.contains("Components with no figure"));
    assert!(page.contains("Where the data is simply not available"));
    let five = &page[page.find("The five coldest spots").unwrap()..];
    let five = &five[..five.find("</ol>").unwrap()];
    assert_eq!(five.matches("<li>").count(), 5, "five coldest named");
    let (_, csv) = get(&c, &format!("{base}/explore/cold-spots.csv")).await;
    let head = split_csv_line(csv.lines().next().unwrap());
    let (rank, missing, index) = (
        head.iter().position(|h| h.starts_with("rank_and_range")).unwrap(),
        head.iter().position(|h| *h == "missing_components").unwrap(),
        head.iter().position(|h| *h == "index").unwrap(),
    );
    // Each component's column names its year and weight.
    assert!(head
        .iter()
        .any(|h| h.starts_with("State-funded AP schools judged good or outstanding, % (2023; weight 25%")));
    assert!(head.iter().any(|h| h.starts_with("Permanent exclusion rate, % (2022/23; weight 0% (context)")));
    let rows: Vec<Vec<String>> = csv.lines().skip(1).map(split_csv_line).collect();
    let scored: Vec<&Vec<String>> = rows.iter().filter(|r| r[index] != "Data not available").collect();
    assert!(scored.len() > 120, "{} ranked", scored.len());
    assert!(rows.len() > scored.len(), "some LAs have too little data and are listed");
    let partial = scored.iter().filter(|r| r[missing] != "None").count();
    // Six in the 2022/23 index (e.g. no PRU of their own but an AP academy graded by Ofsted).
    assert!(partial > 0, "{partial} ranked LAs lack a component");
    for r in &scored {
        // "12 (5 to 30)" or "3 (always 3)": the rank lies inside its range.
        let text = &r[rank];
        let k: usize = text.split(' ').next().unwrap().parse().unwrap();
        let nums: Vec<usize> =
            text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
        let (lo, hi) = (nums[1], *nums.last().unwrap());
        assert!(lo <= k && k <= hi, "{text}");
    }
    assert!(scored.iter().any(|r| r[rank].contains(" to ")), "some ranks move when a component is left out");
    let (_, method) = get(&c, &format!("{base}/explore/cold-spots/method")).await;
    assert!(method.contains("one-to-one tuition is a setting type of its own"));
    assert!(method.contains("Higher is nearer the cold end") && method.contains("Lower is nearer the cold end"));
    assert!(method.contains("Percentile ranks rather than z-scores"));
    assert!(method.contains("Uncertainty: rank intervals"));
    for file in [
        "sendap_ofsted_by_school_type_la_2019_2023.csv",
        "absence_2term_pru_la_201314_202223.csv",
        "sendap_ap_counts_la_201718_202223.csv",
        "spc_school_ap_characteristics.csv",
        "nccis_UD_NEETNK_LA_dashboard_final.csv",
    ] {
        assert!(method.contains(file), "{file} named as a source");
    }
    for weight in ["25%", "20%", "15%", "10%", "0% (context)"] {
        assert!(method.contains(&format!(">{weight}<")), "{weight}");
    }
    db.finish().await;
}

/// The home page names the five coldest spots, each a link to its profile.
#[tokio::test]
async fn the_home_page_names_the_five_coldest_spots() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (_, home) = get(&c, &format!("{base}/")).await;
    let at = home.find("The five coldest spots").expect("a cold-spot section");
    let list = &home[at..at + home[at..].find("</ol>").unwrap()];
    assert_eq!(list.matches("<li><a class=\"govuk-link\" href=\"/explore/la/").count(), 5);
    let (_, page) = get(&c, &format!("{base}/explore/cold-spots")).await;
    let first = &list[list.find("<li>").unwrap()..];
    let first_name = &first[first.find('>').unwrap() + 1..];
    let first_name = &first_name[first_name.find('>').unwrap() + 1..first_name.find("</a>").unwrap()];
    let five = &page[page.find("The five coldest spots").unwrap()..];
    assert!(five[..five.find("</ol>").unwrap()].contains(first_name), "{first_name} is coldest on both pages");
    db.finish().await;
}

/// A CSV line split on commas outside quotes.
fn split_csv_line(l: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for ch in l.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(ch),
        }
    }
    out
}

/// London's boroughs are drawn again, enlarged, in an inset, each a link to its profile; the
/// wide tables scroll inside their own box.
#[tokio::test]
async fn the_map_has_a_london_inset_and_tables_scroll_in_their_box() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (_, map) = get(&c, &format!("{base}/explore")).await;
    let at = map.find("aria-label=\"London, enlarged\"").expect("an inset");
    let inset = &map[at..at + map[at..].find("</g></g>").unwrap()];
    assert_eq!(inset.matches("<a href=\"/explore/la/").count(), 33, "the 32 boroughs and the City");
    assert!(inset.contains("href=\"/explore/la/202\" aria-label=\"Camden: "));
    assert!(map.contains("<div class=\"wm-table-scroll\">\n<table class=\"govuk-table\">"));
    for path in ["/explore/la/202", "/explore/timpson", "/explore/cold-spots"] {
        let (_, page) = get(&c, &format!("{base}{path}")).await;
        assert_eq!(
            page.matches("<table").count(),
            page.matches("<div class=\"wm-table-scroll\"").count(),
            "{path}: every table in its own scrolling box"
        );
    }
    db.finish().await;
}

/// The LA profile names each chart's sources by period and gives each ranked figure its unit.
#[tokio::test]
async fn la_profile_names_sources_and_units() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (_, camden) = get(&c, &format!("{base}/explore/la/202")).await;
    assert_eq!(camden.matches("(2006/07 to 2016/17); DfE Local Authority Interactive Tool (LAIT)").count(), 3);
    let (_, ranks) = get(&c, &format!("{base}/explore/la/202.csv?table=ranks")).await;
    let perm = ranks.lines().find(|l| l.contains("Permanent exclusion rate (2023/24)")).unwrap();
    assert!(perm.contains("%,"), "{perm}");
    db.finish().await;
}

/// Issue 12: an LA profile's "After exclusion" section, its CSV, the unpublished LA figures
/// under data gaps, and the observatory's after-exclusion facts with quoted figures marked.
#[tokio::test]
async fn after_exclusion_on_profiles_and_the_observatory() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let c = Client::new();
    let (status, camden) = get(&c, &format!("{base}/explore/la/202")).await;
    assert_eq!(status, StatusCode::OK);
    let at = camden.find("id=\"after-exclusion\"").expect("an After exclusion section");
    let section = &camden[at..camden[at..].find("Data gaps").map_or(camden.len(), |e| at + e)];
    for needle in [
        "Pupils in state-funded AP schools (incl. PRUs)",
        "State-funded AP schools judged good or outstanding",
        "PRU enrolments persistently absent",
        "Children in need permanently excluded",
        "16-17 year olds with an EHC plan NEET or not known",
        "Not published by LA",
        "66.5%",
        "93.1%",
    ] {
        assert!(section.contains(needle), "{needle} missing from the section");
    }
    let gaps = &camden[camden.find("Measures with no figure for this LA").unwrap()..];
    assert!(gaps.contains("KS4 destinations of AP leavers") && gaps.contains("KS4 results (English and maths)"));
    let (status, csv) = get(&c, &format!("{base}/explore/la/202.csv?table=after")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("la_number,la_name,measure,academic_year,la,england,source"), "{csv}");
    assert!(csv.lines().count() >= 16, "{csv}");
    // Cumbria was abolished in 2023: its rows are for years it existed.
    let (status, cumbria) = get(&c, &format!("{base}/explore/la/909.csv?table=after")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!cumbria.contains("2023/24") && !cumbria.contains("2024/25"), "{cumbria}");
    let (_, explore) = get(&c, &format!("{base}/explore")).await;
    assert!(explore.contains("66.5% against 93.1%"));
    assert!(explore.matches("Quoted, not computed").count() >= 4, "the heading and each quoted figure");
    // A calendar-year source on the map: NCCIS 2023 is 2022/23, and the page says so.
    let (status, neet) = get(&c, &format!("{base}/explore?measure=after-neet-nk&year=2022/23")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(neet.contains("16-17 year olds NEET or not known, 2022/23"));
    assert!(neet.contains("nccis_UD_NEETNK_LA_dashboard_2023_final.csv, the source"), "the source's own year");
    db.finish().await;
}
