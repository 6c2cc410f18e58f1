-- POST /v1/chat/completions, OpenAI's shape, answered whole; relayed to the fast upstream.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"fast","messages":[{"role":"user","content":"Hello there, how are you today?"}]}'
