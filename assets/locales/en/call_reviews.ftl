call-reviews-title = Reviews
call-reviews-none = No review has come in yet.
call-reviews-lead = Every review side by side. The consensus counts accepted reviews only; a review of the call while it was gold is scored against the key instead. Click a time to play from there.
call-reviews-disagreements = { $count ->
    [one] Reviewers disagree on { $count } step, marked below.
   *[other] Reviewers disagree on { $count } steps, marked below.
}
call-reviews-step = Step
call-reviews-consensus = Consensus
call-reviews-key = Key
call-reviews-rejected = Rejected
call-reviews-gold-review = Control review: { $score }
call-reviews-listened = held { $share } of the call's length
call-reviews-heard = heard { $share } of the call
call-reviews-disagree = Disagreement
call-reviews-miss = (differs from the key)
call-reviews-agreement = { $share } agree
call-reviews-judge = Accept or reject
call-reviews-reject = Reject this review…
call-reviews-reason = Reason (the reviewer will read it)
call-reviews-reason-hint = A rejected review counts nowhere and is not paid; the call goes to one more reviewer. You can restore it later.
call-reviews-reject-send = Reject the review
call-reviews-restore = Restore the review
gold-title = Gold call
gold-active = Gold call
gold-since = since
gold-lead = A gold call is mixed unseen into every reviewer's calls; their answers are scored against the key below to measure how accurate each reviewer is. Its reviews do not change the operator's figures. A step answered “Any” is not scored.
gold-expected = Expected answer
gold-answer-correct = Correct
gold-answer-incorrect = Incorrect
gold-answer-missing = Not in the script
gold-answer-any = Any
gold-mark = Make it a gold call
gold-save = Save the key
gold-unmark = Stop using it as a gold call
gold-needs-reviews = A call can be made gold once all its reviews are in.
call-overlap-count = { $done } { $done ->
    [one] review
   *[other] reviews
} counted (this call gets { $min }–{ $max } as needed).
call-overlap-minimum = It needs { $required } before it is judged.
call-overlap-another = It gets one more:
call-overlap-at_maximum = Not sure yet, but the maximum is reached:
call-overlap-settled = The answer is sure: no more reviews.
call-overlap-untrusted = a reviewer is not yet trusted alone (too few gold steps scored);
call-overlap-disputed = reviewers disagree on { $steps };
call-overlap-critical = a critical step was failed by one reviewer alone, a second must confirm it: { $steps };
call-overlap-unsure = the consensus is not sure enough on { $steps }.
call-reviews-confidence = { $share } sure
