nav-reviewers = Reviewers
reviewers-title = Reviewers
reviewers-name = Reviewer
reviewers-status = Status
reviewers-status-active = Active
reviewers-status-paused = Paused
reviewers-status-deactivated = Deactivated
reviewers-reviews = Reviews
reviewers-gold-accuracy = Gold accuracy
reviewers-agreement = Agreement
reviewers-listen-ratio = Time / call length
reviewers-skip-rate = Skipped
reviewers-rejected = Rejected
reviewers-earned = Earned
reviewers-actions = Actions
reviewers-resume = Resume
reviewers-pause = Pause
reviewers-none = No reviewers yet.
reviewers-back = All reviewers
reviewers-weekly = Week by week
reviewers-week = Week
reviewers-recent = Latest reviews
reviewers-sent = Sent
reviewers-call = Call
reviewers-open-call = Open the call
reviewers-gold = gold
reviewers-verdicts = Verdicts
reviewers-tally = { $correct } correct, { $incorrect } incorrect, { $missing } missing
reviewers-review-rejected = Rejected
reviewers-review-accepted = Accepted
reviewers-no-reviews = No reviews yet.
reviewers-gold-count = { $count } gold
reviewers-steps = { $count ->
    [one] { $count } step
   *[other] { $count } steps
}
reviewers-pairs = { $count ->
    [one] { $count } pair
   *[other] { $count } pairs
}
start-paused-reviewers = { $count ->
    [one] reviewer paused — check their accuracy
   *[other] reviewers paused — check their accuracy
}
flagged-title = Reviews to look at: { $count }
flagged-lead = Flags, not verdicts: listen to the call and keep the review or reject it with a reason.
flagged-open = Open the call
flagged-keep = Keep
flag-same_answers = The same answer on every step, call after call
flag-fast = Much faster than this reviewer's usual time
flag-outlier = Far from the other reviews of the call
flag-low_coverage = Most of the call was not played
