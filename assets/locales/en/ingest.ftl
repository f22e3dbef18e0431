# Calls that arrive by themselves: machine keys, extensions, inbound calls, sampling.

invalid-no-script = There is no active script to grade the call against: create one first.
invalid-taken = This is already in use: choose another.
error-key-not-allowed = This key may only send recordings (POST /api/v1/recordings).
error-duplicate-file = This exact file was uploaded before.

upload-operator-from-name = From the file name (Asterisk/FreePBX)
upload-operator-hint = Leave it so to take the operator from an Asterisk/FreePBX file name (in-201-79161234567-20231115-101530-….wav): the extension in it, mapped on the People page. The time, direction and customer number are read from the name too.
upload-duplicates = { $kept ->
    [0] Nothing new was uploaded
    [one] One file was uploaded
   *[other] { $kept } files were uploaded
}; { $skipped ->
    [one] one was skipped because exactly this file was uploaded before:
   *[other] { $skipped } were skipped because exactly these files were uploaded before:
}
upload-open-existing = Open it

sampling-title = Which calls are reviewed
sampling-lead = Review every call, or a random sample of each operator's calls: reviews cost money, and a steady sample says as much about an operator as every call.
sampling-which = Calls to review
sampling-all = Every call
sampling-sample = A random sample per operator
sampling-size = Calls
sampling-period = per
sampling-per-day = day
sampling-per-week = week
sampling-per-month = month
sampling-min-seconds = Only calls of at least (seconds)
sampling-any-direction = Either direction
sampling-how = Each call of the period has the same chance. The sample goes to reviewers when the period ends (in the organization's time zone), because until then a later call may take a place in it. Calls left out are kept as "not sampled": you can listen to them and send any of them to review. A new plan applies to calls that arrive from now on.
sampling-save = Save the plan
sampling-saved = The sampling plan is saved.
sample-held = in this period's sample
sample-out = not sampled
sample-held-explained = This call is in its period's sample: it goes to reviewers when the period ends.
sample-out-explained = This call was not sampled: reviewers do not get it.
sample-pull-in = Send it to review now

keys-title = API keys
keys-lead = A key lets a program (your PBX, a script, an integration) send calls to callqa and nothing else: it cannot read calls, reviews or people. Each use is recorded under the key's name. Revoke a key the moment it may have leaked.
keys-created = Here is the new key. Copy it now: it is shown only this once.
keys-example = Send a call with it like this:
keys-key = Key
keys-scope = May
keys-scope-ingest = send recordings
keys-created-at = Created
keys-last-used = Last used
keys-never-used = never
keys-state = State
keys-revoked = revoked { $when }
keys-revoke = Revoke
keys-revoke-named = Revoke the key { $name }
keys-none = No keys yet.
keys-new = A new key
keys-name-hint = Say where it is used, e.g. "Asterisk in the office": the audit log names the key.
keys-create = Create the key
inbound-title = Arriving calls
inbound-lead = Calls your PBX or a program sent that did not become recordings yet.
inbound-waiting = { $count ->
    [0] No call waits for an operator
    [one] One call waits for an operator
   *[other] { $count } calls wait for an operator
}
inbound-waiting-lead = Their extension belongs to no operator yet. Map the extension on the People page (every waiting call from it goes on at once), or name the operator of one call here.
inbound-extension = Extension
inbound-external-id = Call id
inbound-source = From
inbound-assign = Take it in
inbound-map-extensions = Map extensions to operators
inbound-none-waiting = Every call that arrived has its operator.
inbound-failed = { $count ->
    [0] No call failed to arrive
    [one] One call could not be fetched
   *[other] { $count } calls could not be fetched
}
inbound-arrived = Announced
inbound-reason = Why
inbound-attempts = { $count ->
    [one] (one attempt)
   *[other] ({ $count } attempts)
}
inbound-none-failed = No download failed.
inbound-fetching = { $count ->
    [one] One call is being fetched
   *[other] { $count } calls are being fetched
}
recordings-inbound-link = { $waiting ->
    [0] {""}
    [one] One arriving call waits for an operator.
   *[other] { $waiting } arriving calls wait for an operator.
} { $failed ->
    [0] {""}
    [one] One could not be fetched.
   *[other] { $failed } could not be fetched.
}
recordings-inbound-open = Arriving calls
people-extensions = PBX extensions
people-extension-add = Add
people-extension-field = Extension or employee id for { $name }
people-extension-remove = Remove the extension { $extension }
people-released = { $count ->
    [0] The extension is mapped.
    [one] The extension is mapped; one call that waited for it went on.
   *[other] The extension is mapped; { $count } calls that waited for it went on.
}

overview-intake = Calls that arrived
overview-intake-lead = Of the period's calls: how many arrived, how many are in review (every call, or the sample where a script samples), and how many have all their reviews.
overview-arrived = Arrived
overview-sampled = Sampled
overview-reviewed = Reviewed
overview-all-operators = All operators
settings-keys-hint = keys for a PBX or a script that sends calls by itself.

outcome-title = How the call ended
outcome-lead = Won or lost, as your CRM knows it. Only you see it: reviewers grade blind.
outcome-field = Outcome
outcome-unknown = Not known
outcome-won = Won
outcome-lost = Lost
outcome-reason = Reason (optional)
outcome-save = Save
invalid-unknown-call = No call has this id.
invalid-outcome-columns = The file needs a header with the columns external_id (or recording_id) and outcome, and optionally reason.
invalid-not-a-csv = This is not a CSV file callqa can read.
invalid-not-utf8 = The file is not UTF-8 text.
outcomes-import-title = Outcomes from your CRM
outcomes-import-lead = A CSV export with a header row: the call by external_id (the PBX's call id) or recording_id, its outcome (won, lost, or unknown to clear it), and optionally a reason. The whole file is checked first: one wrong line and nothing is changed.
outcomes-import-file = CSV file
outcomes-import-submit = Set the outcomes
outcomes-import-done = { $count ->
    [one] The outcome of one call is set.
   *[other] The outcomes of { $count } calls are set.
}

funnel-title = Where calls fail
funnel-lead = For the reviewed calls of one script version: how many reached each step without a failure, and at which step the first "incorrect" or "not in the script" came — for won and lost calls side by side, so you see where lost calls go wrong and where won calls differ.
funnel-version = Version
funnel-current-version = current
funnel-show = Show
funnel-calls = { $all } reviewed calls: { $won } won, { $lost } lost, { $unknown } with no known outcome; { $clean } went through every step without a failure.
funnel-caption = Calls that reached each step without a failure.
funnel-table = Steps of the version, in order
funnel-step = Step
funnel-reached = Reached it without a failure
funnel-first-failure = First failed here
funnel-all = all
funnel-open-step = { $count ->
    [one] One call first failed at { $step }: list it
   *[other] { $count } calls first failed at { $step }: list them
}
funnel-of-them-missing = ({ $count } not in the script)
funnel-calls-at = Calls that first failed at "{ $step }"
funnel-call = Open the call

win-back-title = Lost calls to win back
win-back-lead = Lost calls with a failed step, newest first: where each went wrong and what the reviewers wrote there. Call the customer back and mark what came of it.
win-back-figures = { $lost } lost calls with a failed step: { $called } called back, { $won } won back, { $hopeless } no chance.
win-back-step = went wrong at "{ $step }"
win-back-status = What came of it
win-back-open = Not called yet
win-back-called_back = Called back
win-back-won_back = Won back
win-back-no_chance = No chance
win-back-save = Save
win-back-none = No lost call with a failed step in this period.

effect-title = Did the refinement work?
effect-lead = Each step's score (done correctly, of the calls where it was judged correct or incorrect) and how often reviewers found the script had no handling for it, per version, over the calls graded against that version; in brackets the 95 % range the true figure lies in. Small numbers of calls give wide ranges: judge a change when the ranges stop overlapping.
effect-calls = Calls
effect-score = Score
effect-missing = Not in the script
effect-points = { $change } points
effect-none = No step has been judged in more than one version yet.
effect-timeline = Each publish on the time line: the version, its day, and under it the share of its graded steps marked "not in the script".
effect-timeline-mark = Version { $version }, published { $day }: { $calls } calls graded, { $missing } of steps not in the script
effect-resolved-title = Gaps resolved by a version: before and after
effect-resolved-lead = For each step where the owner resolved gaps with a new version: how often reviewers marked that step "not in the script" over the calls graded against the versions before, and against that version and later.
effect-resolved-in = Resolved in
effect-resolved-gaps = Gaps
effect-before = Not in the script, before
effect-after = Not in the script, after

## Connectors
error-bad-signature = The event's signature does not match this connector's secret.
invalid-invalid-url = Not a valid http or https link.
invalid-invalid-json = Not valid JSON of the expected shape.
connectors-title = Connectors
connectors-lead = Your PBX tells callqa when a recording is ready; callqa downloads it in the background and retries when the PBX is slow. Only https links to public addresses are fetched.
connectors-saved = Saved.
connectors-vendor-generic = Generic webhook (any PBX or script)
connectors-configured = set up
connectors-not-configured = not set up
connectors-webhook = Events go to
connectors-secret-hint = At least 16 characters, shared with the PBX. It is never shown again once saved.
connectors-secret-kept = A secret is set and never shown again. Leave empty to keep it, or enter a new one.
connectors-script-inferred = Named by the event, or the only active script
connectors-save = Save
connectors-example = How to sign and send an event
connectors-events = Last events
connectors-received = Received
connectors-outcome = Outcome
connectors-detail = Detail
connectors-no-events = No events yet.
connectors-outcome-accepted = new call, download queued
connectors-outcome-repeat = repeat of a known call
connectors-outcome-bad_signature = refused: bad signature
connectors-outcome-invalid = refused: bad fields
connectors-outcome-not_configured = refused: not set up
settings-connectors-hint = your PBX sends calls by itself.
connectors-vendor-mango = Mango Office
connectors-vendor-zadarma = Zadarma / Novofon
connectors-vendor-megafon = MegaFon virtual PBX (CRM webhook)
connectors-setup-generic = Any PBX or script: send a JSON event signed with an HMAC-SHA256 of its body (see the example).
connectors-setup-mango = In the Mango Office account, under Integrations → API connection, give this address as your external system's address (Mango adds /events/record/added itself) and switch on the recording notifications; copy the unique code (API key) and the signature key (salt) here. callqa takes the record/added event and downloads the file at once.
connectors-setup-zadarma = In the personal account, under Settings → Integrations and API, give this address for call notifications (end of incoming and outgoing calls) and for NOTIFY_RECORD; copy the API key and secret here. Zadarma checks the address first; callqa answers the check.
connectors-setup-megafon = In the virtual PBX's account, under Integration with CRM, give this address and the same token on both sides. callqa takes the history command after each call and downloads the recording from its link.
connectors-secret-generic = Secret
connectors-secret-mango = Signature key (salt)
connectors-secret-zadarma = API secret
connectors-secret-megafon = CRM token
connectors-api-key-mango = Unique code of the PBX (vpbx_api_key)
connectors-api-key-zadarma = API key
connectors-api-url = API address
connectors-api-url-hint = The vendor's own address by default; change it only for another region or a sandbox (for Novofon: https://api.novofon.com).
connectors-test = Send a test event
connectors-test-hint = callqa sends itself an event as this PBX would, to the address above, signed with the saved settings. Nothing is kept but a line in the events.
connectors-test-arrived = The test event for { $vendor } arrived and its signature checked out.
connectors-test-failed = The test event for { $vendor } did not come through:
connectors-outcome-ignored = noted, nothing to fetch
connectors-outcome-test = test event
invalid-invalid-form = Not a valid form body.
error-invalid-echo = The address check value must be letters, digits, "-" or "_", at most 64.
connectors-outcome-test_failed = test event did not come through
