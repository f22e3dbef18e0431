overview-title = Overview
overview-lead = How each operator's calls were graded, which steps go wrong and where the script has no answer yet. A call counts once all its reviews are in, on the day it took place (or was uploaded, when the call time is unknown).
overview-period-label = Period
overview-from = From
overview-to = To
overview-field-from = Start date
overview-field-to = End date
overview-show = Show
overview-last-days = { $days ->
    [one] Last day
   *[other] Last { $days } days
}
overview-days = { $days ->
    [one] { $days } day
   *[other] { $days } days
}
overview-download-csv = Download CSV
overview-calls = Reviewed calls
overview-average = Average score
overview-operators = Operators
overview-reviews = Reviews spent
overview-reviews-spent = { $spent } of { $maximum } at a fixed maximum · { $saved } saved
overview-open-gaps = Open gaps
overview-operator = Operator
overview-trend = Trend
overview-weekly = By week
overview-inactive = inactive
overview-none = No reviewed calls in this period. A call counts once all its reviews are in: try a longer period.
overview-score-note = A call's score is the share of its steps done correctly among those judged correct or incorrect: “not in the script” and split verdicts never count against the operator. The trend compares the average with the { $days } days before.
overview-trend-up = up from { $before }
overview-trend-down = down from { $before }
overview-trend-flat = steady (was { $before })
overview-trend-none = no calls in the period before
overview-trend-unscored = no score in the period before
overview-sparkline-label = Average score by week: { $values }
overview-heatmap = Steps by operator
overview-heatmap-lead = How often each operator did each step correctly, among the calls where reviewers judged it correct or incorrect. Under each share: correct / judged.
overview-heatmap-caption = Share of steps done correctly, by operator and step
overview-cell = { $percent }: { $correct } of { $judged } correct
overview-cell-empty = no data
overview-legend = Colour legend
overview-legend-below = below { $to }
overview-legend-range = { $from }–{ $to }
overview-legend-above = { $from } and above
overview-legend-none = no data
overview-gaps = Open gaps by step
overview-gaps-lead = Steps where reviewers found the script had no answer, still waiting for your decision (all open gaps, whatever the period).
overview-gaps-none = No open gaps: the script had an answer for everything reviewers heard.
overview-step = Step
overview-open = Open
overview-oldest = Waiting since
overview-csv-operator = Operator
overview-csv-external-id = External ID
overview-csv-calls = Reviewed calls
overview-csv-average = Average score, %
overview-csv-correct = Correct
overview-csv-incorrect = Incorrect
overview-csv-missing = Not in the script
overview-csv-split = Split
invalid-period-reversed = The end date is before the start date.
invalid-period-too-long = A period can be at most { $max } days long.
overview-compliance = Compliance
overview-critical-failures = { $count ->
    [one] { $count } failed on a critical step
   *[other] { $count } failed on a critical step
}
overview-compliance-note = Compliance = the share of reviewed calls that did not fail on a critical step.
overview-csv-compliance = Compliance, %
overview-csv-critical-failures = Failed on a critical step
overview-csv-did-not-arise = Did not arise
answers-csv-time = Sent
answers-csv-call = Call
answers-csv-operator = Operator
answers-csv-script = Script
answers-csv-version = Version
answers-csv-step-number = Step no.
answers-csv-step-key = Step key
answers-csv-reviewer = Reviewer (pseudonym)
answers-csv-verdict = Verdict
answers-csv-comment = Comment
answers-csv-review-status = Review status
overview-download-answers = Every answer (CSV)
kpi-title = Period { $from } – { $to } · script versions: { $versions }
kpi-no-versions = none (no reviewed calls)
kpi-total = All operators
kpi-sheet-operators = Operators
kpi-sheet-versions = Script versions
kpi-col-operator = Operator
kpi-col-arrived = Calls arrived
kpi-col-sampled = Sampled
kpi-col-reviewed = Reviewed
kpi-col-score = Average score, %
kpi-col-compliance = Compliance, %
kpi-col-critical = Failed on a critical step
kpi-col-violations = Lost with an incorrect step
kpi-col-gaps = Gaps raised
kpi-col-disputes-won = Disputes won
kpi-col-disputes-lost = Disputes lost
kpi-col-acknowledged = Feedback acknowledged
kpi-col-ack-rate = Acknowledged, %
kpi-col-script = Script
kpi-col-version = Version
overview-kpi = KPI for pay
overview-kpi-lead = Per operator over the period: lost calls with a step done incorrectly ("closed in violation"; a missing step is the script's gap, not the operator's fault), gaps their calls raised, disputes the owner decided for or against them, and the share of reviewed calls whose feedback they acknowledged.
overview-download-kpi-csv = KPI (CSV)
overview-download-kpi-xlsx = KPI (XLSX)

overview-effect = Did the refinement work?
overview-effect-lead = For each script graded against more than one version in this period: every step of its latest version set against the latest earlier version that had it — the score (done correctly, of the calls where it was judged correct or incorrect) and how often reviewers marked it "not in the script", with the 95 % range in brackets; the largest changes first.
overview-effect-caption = { $script }: version { $version }, { $count ->
    [one] { $count } call graded
   *[other] { $count } calls graded
    } in the period
overview-effect-all = every version, step by step
overview-effect-against = Version before → this one
overview-effect-version = version { $version } ({ $count ->
    [one] { $count } call
   *[other] { $count } calls
    })
overview-effect-calls = { $count ->
    [one] { $count } call
   *[other] { $count } calls
    }
overview-effect-none = No script was graded against two versions in this period. Once calls are graded against a newly published version, its effect shows here; pick a longer period to compare with older versions.
