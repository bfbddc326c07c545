// A busy process at normal priority (like tsserver loading a project): bursts of work.
const end = Date.now() + Number(process.argv[2] ?? 60000);
let x = 0; while (Date.now() < end) { for (let i = 0; i < 1e6; i++) x += Math.sqrt(i); }
