// The cold-dot probes' files (cold-dot.mjs, cold-tab.mjs): six ~1,500-token TypeScript files
// `areas0.ts`..`areas5.ts`, each ending in `console` inside `main()`, so `.` is a member access.
const shapes = ['square', 'circle', 'triangle', 'hexagon', 'ellipse', 'rhombus', 'pentagon', 'octagon', 'trapezoid', 'kite', 'star', 'arrow', 'cross', 'heart', 'crescent', 'diamond', 'parallelogram', 'semicircle', 'sector', 'annulus', 'oval', 'prism', 'cube', 'sphere', 'cone', 'cylinder', 'pyramid', 'torus', 'wedge', 'lens'];
const text = (k) => `${shapes.map((n, i) => `export function ${n}Area${k}(a: number, b: number): number {\n  const area = a * b * ${i + 1};\n  console.log(\`${n}: \${area}\`);\n  return area;\n}\n\n`).join('')}function main(): void {\n  console.log(squareArea${k}(2, 3));\n  console`;
export const coldFiles = Object.fromEntries([0, 1, 2, 3, 4, 5].map((k) => [`areas${k}.ts`, text(k)]));
