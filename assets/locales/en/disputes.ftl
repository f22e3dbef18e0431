nav-disputes = Disputes
start-open-disputes = { $count ->
    [one] dispute waiting: an operator contests a verdict
   *[other] disputes waiting: operators contest verdicts
}
disputes-title = Disputes
disputes-lead = Operators may contest the verdict of a step on their call. Another reviewer, who never had the call, reviews it again without knowing why; then you decide each step.
disputes-show-all = Show decided disputes too
disputes-show-open = Show only the open disputes
disputes-opened = Opened
disputes-age = Waiting
disputes-age-days = { $count ->
    [0] less than a day
    [one] { $count } day
   *[other] { $count } days
}
disputes-steps = Steps contested
disputes-status = Status
disputes-none = No dispute is waiting.
disputes-none-ever = No call has been disputed yet.
dispute-status-awaiting_review = waiting for another review
dispute-status-awaiting_decision = waiting for your decision
dispute-status-decided = decided
dispute-title = Dispute by { $operator }
dispute-opened = Opened { $at }
dispute-decided-at = decided { $at }
dispute-open-call = The call and all its reviews
dispute-lead = For each step: the verdict contested and the reviews behind it, what the operator says, and the verdict of a reviewer who looked at the call without knowing it was disputed. Uphold the verdict or overturn it, and say why: the operator reads your note.
dispute-awaiting-review = The call is still waiting for another reviewer. You may decide now, but the second look is usually worth waiting for.
dispute-contested = Verdict contested
dispute-operator-comment = The operator says
dispute-re-review = Another review
dispute-re-review-pending = Not in yet.
dispute-decision = Decision:
dispute-decision-upheld = upheld: the verdict stands
dispute-decision-overturned = overturned: the step counts as done correctly
dispute-uphold = Uphold the verdict
dispute-overturn = Overturn it
dispute-note = Note:
dispute-note-field = Note for the operator
dispute-send = Save the decisions
dispute-saved = Decisions saved. The operator sees them on their call.
call-reviews-dispute-awaiting_review = The operator contests verdicts of this call: waiting for another review.
call-reviews-dispute-awaiting_decision = The operator contests verdicts of this call: waiting for your decision.
call-reviews-dispute-decided = The operator's dispute of this call is decided.
call-reviews-critical-hint = An incorrect verdict on a critical step sets the call's score to 0.
calls-critical-failure = Failed on a critical step: { $step }
calls-critical-failure-hint = This step is critical in the script: when it is judged incorrect, the call's score is 0 %.
calls-overturned = overturned on appeal
calls-overturned-owner = overturned on appeal: counts as correct
calls-verdict-did_not_arise = Did not arise
calls-votes-did_not_arise = { $count } did not arise
calls-dispute-sent = Your dispute is sent. You will see the decision here.
calls-contest-title = Contest a verdict
calls-contest-hint = If you think a step was judged wrong, tick it and say why. You may contest this call once, until { $until }.
calls-contest-comment = Why the verdict is wrong
calls-contest-send = Send the dispute
calls-dispute-title = Your dispute
calls-dispute-under-review = Sent { $opened }: under review.
calls-dispute-decided = Sent { $opened }, decided { $decided }.
calls-dispute-your-comment = You wrote:
calls-dispute-decision = Decision:
calls-dispute-upheld = the verdict stands
calls-dispute-overturned = overturned: the step counts as done correctly
calls-dispute-pending = Under review.
calls-dispute-note = Note:
