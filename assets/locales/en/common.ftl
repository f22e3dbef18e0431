nav-label = Main menu
footer-tagline = callqa: blind review of sales calls
home-title = Blind review of sales calls
home-lead = callqa hands your recorded calls, anonymized, to outside reviewers who check every step of your sales script.
home-step-record = Upload or import call recordings. Reviewers get a copy without the file's name, tags or date, with the voices disguised if you choose; names and numbers spoken in a call are hidden where you mark them.
home-step-review = Reviewers get calls at random and mark each step correct, incorrect or missing.
home-step-gaps = "Missing" verdicts collect in a queue where you refine the script.
home-step-feedback = Operators see the feedback on their own calls.
error-page-code = Error { $status }
error-page-home = Back to the start page
nav-gaps = Gaps
nav-overview = Overview
nav-calls = My calls
start-title = Start
start-lead = Four steps and your calls are being reviewed:
start-script = Write your sales script
start-script-hint = the steps reviewers check, each with what to say and what counts as correct
start-operators = Add your operators
start-operators-hint = the people on your side of the calls; invite them to see their feedback
start-reviewers = Invite reviewers
start-reviewers-hint = outside listeners; they never learn who is talking
start-upload = Upload calls
start-upload-hint = any format; reviewers get a copy without the file's name, tags or date, and names or numbers spoken in a call are hidden where you mark them on the recording's page
start-open-gaps = { $count ->
    [one] open gap: where the script had no answer
   *[other] open gaps: where the script had no answer
}
start-awaiting = { $count ->
    [one] call waiting for reviewers
   *[other] calls waiting for reviewers
}
start-reviewed = { $count ->
    [one] call fully reviewed
   *[other] calls fully reviewed
}
