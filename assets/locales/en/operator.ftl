calls-title = My calls
calls-empty-title = No reviewed calls yet
calls-empty-text = When reviewers have listened to your calls, you will find their feedback here: what went well, what to improve, and where the script itself had no answer.
calls-summary-label = Summary
calls-reviewed = { $count ->
    [one] reviewed call
   *[other] reviewed calls
}
calls-average = average score
calls-unread = { $count ->
    [one] call with new feedback
   *[other] calls with new feedback
}
calls-chart-title = Score by week
calls-chart-note = Average score of your calls per week, last 12 weeks. A gap is a week without reviewed calls.
calls-chart-none = No reviewed calls in the last 12 weeks.
calls-chart-week = Week of { $week }: { $score }% ({ $count ->
    [one] { $count } call
   *[other] { $count } calls
})
calls-missed-title = The steps you miss most
calls-missed-count = wrong in { $count } of { $judged ->
    [one] { $judged } call
   *[other] { $judged } calls
}
calls-missed-none = No step was judged wrong. Well done!
calls-list-title = Reviewed calls
calls-new = new
calls-score = score
calls-legend = Steps:
calls-verdict-correct = Correct
calls-verdict-incorrect = Incorrect
calls-verdict-missing = Not in the script
calls-verdict-split = Reviewers disagree
calls-verdict-none = Not graded
calls-summary = Steps: { $correct } correct, { $incorrect } incorrect, { $missing } not in the script, { $split } with reviewers disagreeing
calls-score-note = Score = correct steps out of the steps judged correct or incorrect. "Not in the script" means the script had no answer: it never counts against you.
calls-utc = Times are in UTC.
calls-call-title = Call of { $when }
calls-back = All my calls
calls-length = Length
calls-reviews = { $count ->
    [one] { $count } review
   *[other] { $count } reviews
}
calls-player = Recording of the call
calls-markers-hint = The marks show where reviewers left a comment; tap one to listen from there.
calls-steps = Step by step
calls-votes = Reviewers:
calls-reviewer = Reviewer { $label }
calls-play-from = play from { $time }
calls-marker = Reviewer { $reviewer }, step { $number } “{ $step }”, at { $time }
calls-acknowledged = You have read this feedback.
calls-ack-hint = Let your manager know you have seen the reviewers' feedback on this call.
calls-ack = I have read this
calls-score-label = Score
calls-votes-correct = { $count } correct
calls-votes-incorrect = { $count } incorrect
calls-votes-missing = { $count } not in the script
