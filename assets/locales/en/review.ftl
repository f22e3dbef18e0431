nav-review = Review
nav-review-history = My reviews

review-title = Review calls
review-lead = You get one call at random. Listen, then mark every step of the script. Who is talking and when stays hidden from you.
review-get-call = Get a call
review-next-call = Next call
review-try-again = Try again
review-empty = Nothing to review right now.
review-empty-hint = All calls have their reviews. New ones come in during the day: try again later.
review-done = Thank you! Your review has been sent.
review-skipped = The call was given back.
review-history-link = My history and earnings

review-code = Call
review-length = length
review-player = Player
review-play = Play
review-pause = Pause
review-back-5 = Back 5 seconds
review-forward-5 = Forward 5 seconds
review-back-5-short = −5 s
review-forward-5-short = +5 s
review-speed = Speed
review-keys = Keys: Space play/pause · ←/→ 5 s · ↑/↓ or J/K step · 1/2/3 verdict (4: did not arise, where offered) · M mark time · Esc leave a comment box
review-not-sent = The review was not sent.
review-step-n = Step { $number }
review-comment = Comment
review-comment-required = (required)
review-time = Time in the call (m:ss)
review-mark-time = Mark time
review-progress = { $done } of { $total ->
    [one] { $total } step
   *[other] { $total } steps
}
review-send = Send review
review-send-wait = Send opens in { $wait }
review-send-wait-static = Listen to the call first: Send opens { $wait } after this page loaded.
review-heard = Heard { $heard } % of the call ({ $needed } % needed)
review-open-one = Open: step { $step }
review-open-many = Open: steps { $steps }
review-choose-verdict = Choose a verdict for this step.
review-time-unreadable = Write the time as minutes:seconds, e.g. 1:23.
review-time-outside = The time must be within the call (0:00 to { $max }).

review-skip = Skip this call
review-skip-hint = The call goes back to the pool for someone else; you will not get it again.
review-skip-reason = Reason
review-skip-bad_audio = The audio is bad or silent
review-skip-language = I don't understand the language
review-skip-not_a_sales_call = Not a sales call, or the script doesn't fit
review-skip-conflict = I recognise a voice
review-skip-other = Other
review-skip-details = Details
review-skip-say-why = Say why in the details.
review-skip-send = Give the call back

review-history-title = My reviews and earnings
review-history-total = Earned in total
review-history-rate = { $count ->
    [one] { $count } review
   *[other] { $count } reviews
} accepted · { $rate } a review now
review-history-none = You have not sent any reviews yet.
review-history-by-day = By day
review-history-day = Day
review-history-reviews = Reviews
review-history-earned = Earned, { $currency }
review-history-list = Every review
review-history-sent = Sent
review-history-length = Length
review-history-zone = Dates and times are in { $zone }.

review-preview-title = Preview.
review-preview-draft = This is your unpublished draft as reviewers will see it when they grade a call.
review-preview-current = This is the current version as reviewers see it when they grade a call.
review-preview-inert = Try the buttons: nothing is saved or sent from this page.
review-preview-head = Here reviewers see the call's random code and its length, never who called or when.
review-preview-player = Here reviewers have the call's player (waveform, play, −5 s and +5 s, speed); it stays at the top of the screen.
review-preview-sent = In the preview nothing is sent: a reviewer's review would go now.

review-history-status = Status
review-history-accepted = Accepted
review-history-rejected = Rejected
review-history-reason = Reason: { $reason }
review-history-rejected-count = { $count ->
    [one] { $count } review was rejected by the owner and is not paid; the reason is in the list below.
   *[other] { $count } reviews were rejected by the owner and are not paid; the reasons are in the list below.
}
review-paused = Reviewing is paused
