gaps-title = Gaps
gaps-lead = Places where reviewers found that the script had no answer for what happened in a call. Accept them, set them aside with a reason, or refine the script: the gaps you pick are resolved by the version you publish.
gaps-all-steps = All steps
gaps-selected-lead = With the selected gaps:
gaps-accept = Accept
gaps-refine = Refine the script
gaps-dismiss = Dismiss
gaps-dismiss-reason = Reason to dismiss
gaps-select = Select this gap
gaps-limited = Showing the newest { $limit }; narrow the filters to see others.
gaps-count = { $count ->
    [one] 1 gap
   *[other] { $count } gaps
}
gaps-open-count = { $count } open
gaps-oldest = oldest open for { $days ->
    [0] less than a day
    [one] 1 day
   *[other] { $days } days
}
gaps-reviewer = Reviewer { $label }
gaps-resolved-in = Resolved by version { $number }
gaps-at = at { $time }
gaps-from-gold = Possible gap · gold call
gaps-from-gold-hint = Reported on a gold call where the answer key did not expect a gap: the key may need this step, or the reviewer was wrong.
gaps-open-recording = the recording
gaps-none-open = No open gaps. When reviewers mark a step “not in the script”, it shows up here.
gaps-none = No gaps match these filters.
gap-status-open = Open
gap-status-accepted = Accepted
gap-status-dismissed = Dismissed
gap-status-resolved = Resolved
dismiss-operator_error = The operator's mistake
dismiss-noise = Noise or misclick
dismiss-duplicate = Duplicate
dismiss-other = Other
error-gap-not-open = This gap has already been dismissed or resolved.
invalid-one-script-only = The ticked gaps belong to different scripts, and a script is refined one at a time. Keep only one script's gaps ticked (or filter the queue by script) and press “Refine the script” again.
gaps-done-accepted = { $count ->
    [one] 1 gap accepted.
   *[other] { $count } gaps accepted.
}
gaps-done-dismissed = { $count ->
    [one] 1 gap dismissed.
   *[other] { $count } gaps dismissed.
}
gaps-undone = Undone: the gaps are back as they were.
gaps-undo = Undo
gaps-undo-hint = possible for { $minutes } minutes
error-undo-expired = This can no longer be undone: too much time has passed or the gap has changed since.

## Step unclear: derived from agreement between reviewers
gaps-unclear-title = Steps reviewers judge differently
gaps-unclear-lead = Not a reviewer’s comment: on these steps reviewers of the same calls keep giving different verdicts, so the guidance is probably unclear. Make it plainer in the script’s editor.
gaps-unclear-kind = Step unclear
gaps-unclear-item = “{ $step }” in { $script }: agreement (alpha) { $alpha } over { $values } verdicts
gaps-unclear-edit = Improve the guidance
gaps-unclear-script = Agreement on the script page
