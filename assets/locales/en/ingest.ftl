# Calls that arrive by themselves: machine keys, extensions, inbound calls, sampling.

invalid-no-script = There is no active script to grade the call against: create one first.
invalid-taken = This is already in use: choose another.
error-key-not-allowed = This key may only send recordings (POST /api/v1/recordings).
error-duplicate-file = This exact file was uploaded before.
