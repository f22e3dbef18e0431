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
