-- POST /v1/chat/completions with "stream": true; the fast upstream answers 50 content chunks,
-- which the relay passes through as sent, then its [DONE].
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"fast","stream":true,"messages":[{"role":"user","content":"Hello there, how are you today?"}]}'
