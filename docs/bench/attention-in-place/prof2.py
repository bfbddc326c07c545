import onnxruntime as ort, numpy as np, json, sys, collections, os
path = sys.argv[1]; P = int(sys.argv[2]); S = int(sys.argv[3]); inplace = path.endswith("-ip.onnx")
o = ort.SessionOptions(); o.intra_op_num_threads = 2; o.enable_profiling = True; o.profile_file_prefix = f"/tmp/gqa/prof-{P}-{S}"
s = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
W = 192
feeds = {"input_ids": np.ones((1, S), np.int64), "position_ids": (P + np.arange(S))[None].astype(np.int64),
         "attn_mask": np.zeros((S, P + S), np.float32), "logits_index": np.arange(S, dtype=np.int64), "inv_temperature": np.zeros(1, np.float32)}
Pa = P - P % 256
for i in s.get_inputs():
    sh = (lambda n: (n, 3, 64)) if inplace else (lambda n: (1, n, W))
    if i.name.startswith("past_k"): feeds[i.name] = np.random.rand(*sh(P)).astype(np.float32)
    elif i.name.startswith("past_vt"): feeds[i.name] = np.random.rand(*sh(P - Pa)).astype(np.float32)
    elif i.name.startswith("past_v"): feeds[i.name] = np.random.rand(*sh(Pa if inplace else P)).astype(np.float32)
for _ in range(30): s.run(["argmax"], feeds)
f = s.end_profiling()
ev = json.load(open(f))
tot = collections.Counter(); n = 0
for e in ev:
    if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
        tot[e["args"]["op_name"]] += e["dur"]
    if e.get("cat") == "Session" and e["name"] == "model_run": n += 1; tot["__run"] += e["dur"]
runs = max(n, 1)
print(os.path.basename(path), P, S, " ".join(f"{k}={v / runs / 1000:.2f}" for k, v in tot.most_common(9)))
os.remove(f)
