//! The owner brings calls in: uploads (streamed, durable, refused cleanly when wrong), the
//! processing jobs that build the reviewer copy (surviving restarts), marked ranges, the
//! original for the owner and the call's own operator only, and bulk import from a folder.

use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, callqa_command, spawn_app, spawn_app_with, test_settings, tone_wav,
};

struct Setup {
    app: TestApp,
    owner: TestUser,
    operator: TestUser,
    script_id: String,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    setup_on(app).await
}

async fn setup_on(app: TestApp) -> Setup {
    let owner = app.owner().await;
    let operator = app.invited(&owner, Invitee::Operator, "oleg").await;
    let script_id = app.script(&owner).await;
    Setup {
        app,
        owner,
        operator,
        script_id,
    }
}

impl Setup {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("operator_id", self.operator.operator_id.clone().unwrap()),
            ("script_id", self.script_id.clone()),
        ]
    }

    async fn upload(
        &self,
        name: &str,
        bytes: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let base = self.fields();
        let mut fields: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fields.extend_from_slice(extra);
        self.app.upload(&self.owner, name, bytes, &fields).await
    }
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_upload_is_queued_processed_and_bound_to_the_current_version() {
    let s = setup().await;
    let response = s
        .upload(
            "Anna Petrova 2026-11-20.wav",
            tone_wav(3.0, 8000),
            &[
                ("called_at", "2026-11-20T10:15:00Z"),
                ("direction", "inbound"),
                ("customer_number", "+7 916 123-45-67"),
            ],
        )
        .await;
    assert_eq!(response.status(), 202);
    let queued: Value = response.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    let id = queued["id"].as_str().unwrap();

    let ready = s.app.wait_processed(&s.owner.token, id).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    let duration = ready["duration_ms"].as_i64().unwrap();
    assert!((2990..=3010).contains(&duration), "{duration}");
    assert_eq!(ready["script_version"], 1);
    assert_eq!(ready["script_id"], s.script_id);
    assert_eq!(ready["reviews_required"], 1);
    assert_eq!(ready["reviews_done"], 0);
    assert_eq!(ready["direction"], "inbound");
    assert_eq!(ready["called_at"], "2026-11-20T10:15:00Z");
    assert_eq!(ready["original_name"], "Anna Petrova 2026-11-20.wav");

    // Stored under random names only.
    let audio = s.app.settings.storage.data_dir.join("audio");
    for folder in ["originals", "reviewer", "peaks"] {
        let names = files_in(&audio.join(folder));
        assert_eq!(names.len(), 1, "{folder}: {names:?}");
        assert!(
            names[0].chars().all(|c| c.is_ascii_hexdigit()),
            "{folder}: {names:?}"
        );
    }
    assert!(files_in(&audio.join("incoming")).is_empty());
}

#[tokio::test]
async fn bad_metadata_is_refused_and_nothing_is_kept() {
    let s = setup().await;
    let response = s
        .app
        .upload(
            &s.owner,
            "call.wav",
            tone_wav(1.0, 8000),
            &[
                ("operator_id", "no-such-operator"),
                ("script_id", "no-such-script"),
                ("reviews_required", "99"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["reviews_required", "operator_id", "script_id"]);

    let empty = s.upload("empty.wav", Vec::new(), &[]).await;
    assert_eq!(empty.status(), 422);

    let no_file = s
        .app
        .api
        .post(s.app.url("/api/v1/recordings"))
        .bearer_auth(&s.owner.token)
        .multipart(reqwest::multipart::Form::new().text("operator_id", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_file.status(), 422);

    let not_multipart = s
        .app
        .post_json(
            "/api/v1/recordings",
            Some(&s.owner.token),
            &json!({"file": "x"}),
        )
        .await;
    assert_eq!(not_multipart.status(), 400);

    let audio = s.app.settings.storage.data_dir.join("audio");
    assert!(files_in(&audio.join("originals")).is_empty());
    assert!(files_in(&audio.join("incoming")).is_empty());
    let list: Value = s
        .app
        .get_as("/api/v1/recordings", &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_upload_over_the_size_limit_gets_413() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path());
    settings.max_upload_mb = 1;
    let s = setup_on(spawn_app_with(settings, data_dir).await).await;
    let response = s.upload("long.wav", tone_wav(70.0, 16000), &[]).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    let audio = s.app.settings.storage.data_dir.join("audio");
    assert!(files_in(&audio.join("incoming")).is_empty());
    assert!(files_in(&audio.join("originals")).is_empty());
}

#[tokio::test]
async fn a_file_that_is_not_audio_fails_with_a_message_and_harms_nothing() {
    let s = setup().await;
    let good = s
        .upload("good.wav", tone_wav(1.0, 8000), &[])
        .await
        .json::<Value>()
        .await
        .unwrap();
    let good_id = good["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.app.wait_processed(&s.owner.token, &good_id).await["status"],
        "ready"
    );

    let mut truncated = tone_wav(2.0, 8000);
    truncated.truncate(30);
    for (name, bytes) in [
        (
            "random.mp3",
            (0..50_000u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect::<Vec<u8>>(),
        ),
        ("text.wav", b"this is not audio at all".repeat(100)),
        ("truncated.wav", truncated),
    ] {
        let queued: Value = s.upload(name, bytes, &[]).await.json().await.unwrap();
        let id = queued["id"].as_str().unwrap();
        let failed = s.app.wait_processed(&s.owner.token, id).await;
        assert_eq!(failed["status"], "failed", "{name}: {failed}");
        assert!(
            failed["error_code"].as_str().unwrap().starts_with("audio_"),
            "{failed}"
        );
        assert!(!failed["error"].as_str().unwrap().is_empty());

        let russian: Value = s
            .app
            .api
            .get(s.app.url(&format!("/api/v1/recordings/{id}")))
            .bearer_auth(&s.owner.token)
            .header("Accept-Language", "ru")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            russian["error"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('а'..='я').contains(&c)),
            "{russian}"
        );

        // The page explains the failure and offers no retry: the file itself is the problem.
        let browser = s.app.browser_for(&s.owner).await;
        let page = s
            .app
            .page_text(&browser, &format!("/recordings/{id}"))
            .await;
        assert!(page.contains(failed["error"].as_str().unwrap()), "{page}");
        assert!(!page.contains("Try again"), "{name}: a retry cannot help");
    }
    let still_good: Value = s
        .app
        .get_as(&format!("/api/v1/recordings/{good_id}"), &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still_good["status"], "ready");
}

#[tokio::test]
async fn only_the_owner_and_the_calls_operator_reach_a_recording() {
    let s = setup().await;
    let reviewer = s.app.invited(&s.owner, Invitee::Reviewer, "rita").await;
    let other = s.app.invited(&s.owner, Invitee::Operator, "olga").await;
    let queued: Value = s
        .upload(
            "call.wav",
            tone_wav(2.0, 8000),
            &[("customer_number", "+79160000000")],
        )
        .await
        .json()
        .await
        .unwrap();
    let id = queued["id"].as_str().unwrap();
    s.app.wait_processed(&s.owner.token, id).await;

    let own: Value = s
        .app
        .get_as(&format!("/api/v1/recordings/{id}"), &s.operator.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["id"], id);
    assert!(
        own.get("customer_number").is_none() && own.get("original_name").is_none(),
        "{own}"
    );
    assert_eq!(
        s.app
            .get_as(&format!("/api/v1/recordings/{id}"), &other.token)
            .await
            .status(),
        404
    );
    assert_eq!(
        s.app
            .get_as(&format!("/api/v1/recordings/{id}"), &reviewer.token)
            .await
            .status(),
        403
    );
    assert_eq!(
        s.app
            .get_as(&format!("/api/v1/recordings/{id}/audio"), &other.token)
            .await
            .status(),
        404
    );
    assert_eq!(
        s.app
            .get_as(&format!("/api/v1/recordings/{id}/audio"), &reviewer.token)
            .await
            .status(),
        403
    );
    assert_eq!(
        s.app
            .get_as(&format!("/api/v1/recordings/{id}/audio"), &s.operator.token)
            .await
            .status(),
        200
    );
    assert_eq!(
        s.app
            .get_as("/api/v1/recordings", &s.operator.token)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn the_original_plays_with_range_requests() {
    let s = setup().await;
    let bytes = tone_wav(2.0, 8000);
    let queued: Value = s
        .upload("call.wav", bytes.clone(), &[])
        .await
        .json()
        .await
        .unwrap();
    let id = queued["id"].as_str().unwrap();
    let whole = s
        .app
        .get_as(&format!("/api/v1/recordings/{id}/audio"), &s.owner.token)
        .await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "audio/wav");
    assert_eq!(
        whole.bytes().await.unwrap().to_vec(),
        bytes,
        "the original, byte for byte"
    );
    let part = s
        .app
        .api
        .get(s.app.url(&format!("/api/v1/recordings/{id}/audio")))
        .bearer_auth(&s.owner.token)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.bytes().await.unwrap().to_vec(),
        bytes[100..200].to_vec()
    );
}

#[tokio::test]
async fn marked_ranges_are_silenced_in_the_rebuilt_reviewer_copy() {
    let s = setup().await;
    let queued: Value = s
        .upload("call.wav", tone_wav(3.0, 8000), &[])
        .await
        .json()
        .await
        .unwrap();
    let id = queued["id"].as_str().unwrap().to_owned();
    s.app.wait_processed(&s.owner.token, &id).await;

    let bad = s
        .app
        .api
        .put(s.app.url(&format!("/api/v1/recordings/{id}/redactions")))
        .bearer_auth(&s.owner.token)
        .json(&json!({"redactions": [{"start_ms": 500, "end_ms": 400}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    let set = s
        .app
        .api
        .put(s.app.url(&format!("/api/v1/recordings/{id}/redactions")))
        .bearer_auth(&s.owner.token)
        .json(&json!({"redactions": [{"start_ms": 1000, "end_ms": 2000, "mode": "silence"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    let done = s.app.wait_processed(&s.owner.token, &id).await;
    assert_eq!(done["status"], "ready");
    assert_eq!(done["redactions"][0]["start_ms"], 1000);

    let reviewer_dir = s.app.settings.storage.data_dir.join("audio/reviewer");
    let names = files_in(&reviewer_dir);
    assert_eq!(names.len(), 1, "the old copy was replaced: {names:?}");
    let copy = crate::helpers::decode_audio(&std::fs::read(reviewer_dir.join(&names[0])).unwrap());
    // The MP3 starts up to 70 ms late (the encoder's delay) and smears a boundary over a frame
    // or two: the checks keep 150 ms away from the marked range's ends.
    let loud = |from_ms: usize, to_ms: usize| {
        let at = |ms: usize| ms * copy.sample_rate as usize / 1000;
        copy.samples[at(from_ms)..at(to_ms)]
            .iter()
            .map(|s| s.unsigned_abs() as u32)
            .max()
            .unwrap()
    };
    assert_eq!(loud(1150, 1850), 0, "the marked second is silent");
    assert!(loud(250, 750) > 5000, "the rest still sounds");
}

#[tokio::test]
async fn queued_work_survives_a_crash_and_is_done_by_another_process() {
    use callqa::recordings::jobs;
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path());
    settings.job_workers = Some(0);
    let web_only = settings.clone();
    let s = setup_on(spawn_app_with(settings, data_dir).await).await;
    let queued: Value = s
        .upload("call.wav", tone_wav(1.0, 8000), &[])
        .await
        .json()
        .await
        .unwrap();
    let id = queued["id"].as_str().unwrap();
    assert_eq!(
        s.app
            .get_as(&format!("/api/v1/recordings/{id}"), &s.owner.token)
            .await
            .json::<Value>()
            .await
            .unwrap()["status"],
        "queued"
    );

    // A worker claims the job and dies: the lease is left to run out.
    let db = callqa::db::Db::connect(&web_only.storage.database(), 1).unwrap();
    let mut conn = db.get().unwrap();
    let claimed = jobs::claim(&mut conn, "dead-worker")
        .unwrap()
        .expect("the job is claimable");
    {
        use callqa::db::schema::jobs as table;
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        diesel::update(table::table.find(&claimed.id))
            .set(table::locked_until.eq(callqa::db::time::now() - time::Duration::minutes(5)))
            .execute(&mut conn)
            .unwrap();
    }

    // Another process with workers on the same database and data picks it up.
    let mut worker_settings = web_only;
    worker_settings.job_workers = Some(1);
    let worker = callqa::startup::Application::build(worker_settings)
        .await
        .unwrap();
    tokio::spawn(worker.run_until_stopped());
    let done = s.app.wait_processed(&s.owner.token, id).await;
    assert_eq!(done["status"], "ready");
    // The job is marked done just after the recording is ready (its own write): wait for it.
    let mut pending = jobs::pending(&mut conn).unwrap();
    for _ in 0..100 {
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        pending = jobs::pending(&mut conn).unwrap();
    }
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn the_upload_page_works_without_javascript() {
    let s = setup().await;
    let browser = s.app.browser_for(&s.owner).await;
    let page = s.app.page_text(&browser, "/recordings/upload").await;
    let csrf = crate::helpers::csrf_of(&page);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("operator_id", s.operator.operator_id.clone().unwrap())
        .text("script_id", s.script_id.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(tone_wav(1.0, 8000)).file_name("a.wav"),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(tone_wav(1.5, 8000)).file_name("b.wav"),
        );
    let response = browser
        .post(s.app.url("/recordings/upload"))
        .header("Origin", &s.app.address)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let list: Value = s
        .app
        .get_as("/api/v1/recordings", &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);

    let without_token = reqwest::multipart::Form::new()
        .text("operator_id", s.operator.operator_id.clone().unwrap())
        .text("script_id", s.script_id.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(tone_wav(1.0, 8000)).file_name("c.wav"),
        );
    let refused = browser
        .post(s.app.url("/recordings/upload"))
        .header("Origin", &s.app.address)
        .multipart(without_token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let listing = s.app.page_text(&browser, "/recordings").await;
    assert!(listing.contains("a.wav") && listing.contains("b.wav") && !listing.contains("c.wav"));
}

#[tokio::test]
async fn import_reads_asterisk_names_and_a_manifest_and_skips_what_it_cannot_use() {
    let s = setup().await;
    let operators: Value = s
        .app
        .get_as("/api/v1/operators", &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    let _ = operators;
    // An operator with extension 201 for the Asterisk names.
    let created: Value = s
        .app
        .post_json(
            "/api/v1/operators",
            Some(&s.owner.token),
            &json!({"name": "Ext 201", "external_id": "201"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let day = folder.path().join("2023/11/15");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(
        day.join("in-201-79161234567-20231115-101530-1700032530.12.wav"),
        tone_wav(1.0, 8000),
    )
    .unwrap();
    // Files are taken in path order: this copy comes after the original it repeats.
    std::fs::write(day.join("same-call-again.wav"), tone_wav(1.0, 8000)).unwrap();
    std::fs::write(folder.path().join("listed.wav"), tone_wav(2.0, 8000)).unwrap();
    std::fs::write(folder.path().join("broken.wav"), b"RIFF nonsense").unwrap();
    std::fs::write(folder.path().join("notes.txt"), b"not audio, not picked up").unwrap();
    std::fs::write(
        folder.path().join("manifest.csv"),
        format!("file,operator,called_at,direction,customer_number\nlisted.wav,{},2026-01-02T03:04:05Z,outbound,+74950000000\n", s.operator.operator_id.clone().unwrap()),
    )
    .unwrap();

    let output = callqa_command(&s.app.settings)
        .arg("import")
        .arg(folder.path())
        .args(["--script", &s.script_id])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("4 file(s) found: 2 imported, 1 already imported, 1 skipped"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("broken.wav"),
        "the bad file is named: {stderr}"
    );

    let list: Value = s
        .app
        .get_as("/api/v1/recordings", &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let asterisk = list
        .iter()
        .find(|r| r["original_name"].as_str().unwrap().starts_with("in-201"))
        .unwrap();
    assert_eq!(asterisk["operator_id"], created["id"]);
    assert_eq!(asterisk["customer_number"], "79161234567");
    assert_eq!(asterisk["called_at"], "2023-11-15T10:15:30Z");
    assert_eq!(asterisk["direction"], "inbound");
    let listed = list
        .iter()
        .find(|r| r["original_name"] == "listed.wav")
        .unwrap();
    assert_eq!(
        listed["operator_id"].as_str(),
        s.operator.operator_id.as_deref()
    );
    assert_eq!(listed["direction"], "outbound");
    assert_eq!(listed["called_at"], "2026-01-02T03:04:05Z");

    // The running server processes what the import queued.
    let id = asterisk["id"].as_str().unwrap();
    assert_eq!(
        s.app.wait_processed(&s.owner.token, id).await["status"],
        "ready"
    );

    // Importing again changes nothing.
    let again = callqa_command(&s.app.settings)
        .arg("import")
        .arg(folder.path())
        .args(["--script", &s.script_id])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("0 imported, 3 already imported, 1 skipped")
    );
}

/// The voice is one of the known words: an unknown one is refused as a field problem next to
/// the others (on the API and on the settings page), a voice that is not text as an unreadable
/// body, and nothing is stored; a known one comes back as the same word.
#[tokio::test]
async fn an_unknown_voice_is_refused_with_the_other_setting_problems() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let put = |body: &Value| {
        app.api
            .put(app.url("/api/v1/settings"))
            .bearer_auth(&owner.token)
            .json(body)
            .send()
    };
    let before = settings_of(&app, &owner).await;
    let mut bad = before.clone();
    bad["voice_mode"] = json!("robot");
    bad["reviews_required"] = json!(0);
    let response = put(&bad).await.unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields = crate::helpers::problem_fields(&body);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("voice_mode", "unknown_value"),
            ("reviews_required", "out_of_range")
        ]
    );
    for not_text in [json!(1), json!(null), json!(["off"])] {
        let mut bad = before.clone();
        bad["voice_mode"] = not_text;
        let response = put(&bad).await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_json");
    }
    assert_eq!(settings_of(&app, &owner).await, before);

    let browser = app.browser_for(&owner).await;
    let page = browser.get(app.url("/settings")).send().await.unwrap();
    let csrf = crate::helpers::csrf_of(&page.text().await.unwrap());
    let response = app
        .post_form(
            &browser,
            "/settings",
            &[
                ("csrf", csrf.as_str()),
                ("voice_mode", "robot"),
                ("reviews_required", "2"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    for voice in ["off", "pitch", "strong", "mcadams"] {
        assert!(
            !html.contains(&format!(r#"name="voice_mode" value="{voice}" checked"#)),
            "no voice is marked when the sent one is unknown"
        );
    }
    assert!(html.contains(r#"name="reviews_required" type="number" min="1" max="20" value="2""#));
    assert_eq!(settings_of(&app, &owner).await, before);

    let mut good = before.clone();
    good["voice_mode"] = json!("mcadams");
    let response = put(&good).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), good);
    assert_eq!(settings_of(&app, &owner).await["voice_mode"], "mcadams");
}

async fn settings_of(app: &TestApp, owner: &TestUser) -> Value {
    let response = app.get_as("/api/v1/settings", &owner.token).await;
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_list_sorts_by_any_column_pages_and_refuses_bad_words() {
    let s = setup().await;
    let mut ids = Vec::new();
    for (name, seconds) in [
        ("b-long.wav", 3.0),
        ("a-short.wav", 1.0),
        ("c-mid.wav", 2.0),
    ] {
        let queued: Value = s
            .upload(name, tone_wav(seconds, 8000), &[])
            .await
            .json()
            .await
            .unwrap();
        let id = queued["id"].as_str().unwrap().to_owned();
        s.app.wait_processed(&s.owner.token, &id).await;
        ids.push(id);
    }
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["original_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |query: &'static str| {
        let app = &s.app;
        let token = s.owner.token.clone();
        async move {
            app.get_as(&format!("/api/v1/recordings{query}"), &token)
                .await
        }
    };
    let by_length: Value = list("?sort=duration&dir=asc").await.json().await.unwrap();
    assert_eq!(
        names(&by_length),
        ["a-short.wav", "c-mid.wav", "b-long.wav"]
    );
    let by_name: Value = list("?sort=file&dir=desc").await.json().await.unwrap();
    assert_eq!(names(&by_name), ["c-mid.wav", "b-long.wav", "a-short.wav"]);
    let newest = list("").await;
    assert_eq!(newest.headers()["x-total-count"], "3");
    let newest: Value = newest.json().await.unwrap();
    assert_eq!(names(&newest), ["c-mid.wav", "a-short.wav", "b-long.wav"]);
    let beyond: Value = list("?page=2").await.json().await.unwrap();
    assert_eq!(beyond.as_array().unwrap().len(), 0, "the API pages by 500");
    for (query, field) in [
        ("?sort=colour", "sort"),
        ("?dir=up", "dir"),
        ("?page=0", "page"),
    ] {
        let refused = list(query).await;
        assert_eq!(refused.status(), 422, "{query}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(
            body["error"]["fields"][0]["field"], field,
            "{query}: {body}"
        );
    }

    // The page: column headers are links that keep the filters and turn the direction, the
    // current one carries aria-sort, and a bad page number is explained in the page's language.
    let browser = s.app.browser_for(&s.owner).await;
    let page = |path: &'static str| {
        let browser = browser.clone();
        let url = s.app.url(path);
        async move { browser.get(url).send().await.unwrap() }
    };
    let html = page("/recordings?status=ready&sort=duration&dir=asc")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"aria-sort="ascending""#), "{html}");
    assert!(html.contains("/recordings?status=ready&amp;sort=duration&amp;dir=desc"));
    assert!(html.contains("/recordings?status=ready&amp;sort=operator&amp;dir=asc"));
    let short = html.find("a-short.wav").unwrap();
    assert!(short < html.find("c-mid.wav").unwrap() && short < html.find("b-long.wav").unwrap());
    assert!(html.contains("1–3 of 3"));
    let refused = page("/recordings?page=x").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("Not a page number."));
}
