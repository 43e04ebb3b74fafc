import type { CustomLayerInterface, CustomRenderMethodInput, Map as MapLibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';

export type DrawnState = 'available' | 'busy' | 'stale';
const STATES: readonly DrawnState[] = ['available', 'busy', 'stale'];
/** Per marker: x, y (web mercator, relative to `origin`), style (state index, + 4 when selected). */
const STRIDE = 3;

const VERTEX = `#version 300 es
uniform mat4 u_matrix;
uniform float u_ratio;
in vec2 a_pos;
in float a_style;
out vec3 v_color;
out float v_radius;
void main() {
  float selected = step(3.5, a_style);
  float state = a_style - 4.0 * selected;
  v_color = state < 0.5 ? vec3(0.071, 0.718, 0.416) : state < 1.5 ? vec3(0.043, 0.361, 0.678) : vec3(0.596, 0.635, 0.702);
  v_radius = mix(6.0, 9.0, selected) + 1.5;
  gl_PointSize = 2.0 * v_radius * u_ratio;
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
}`;

// A disc of the state's colour in a 1.5 px white ring, antialiased over one pixel; premultiplied alpha.
const FRAGMENT = `#version 300 es
precision mediump float;
in vec3 v_color;
in float v_radius;
out vec4 fragColor;
void main() {
  float r = length(gl_PointCoord - 0.5) * 2.0 * v_radius;
  float alpha = clamp(v_radius - r + 0.5, 0.0, 1.0);
  vec3 color = mix(v_color, vec3(1.0), clamp(r - (v_radius - 1.5) + 0.5, 0.0, 1.0));
  fragColor = vec4(color * alpha, alpha);
}`;

const toMercatorX = (lng: number) => (180 + lng) / 360;
const toMercatorY = (lat: number) => (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))) / 360;
const toLng = (x: number) => x * 360 - 180;
const toLat = (y: number) => (360 / Math.PI) * Math.atan(Math.exp(((180 - y * 360) * Math.PI) / 180)) - 90;

/**
 * The couriers drawn straight from one typed array by a MapLibre custom layer (one draw call of GL
 * points), instead of a GeoJSON source. A GeoJSON `setData` of 5,000 moving points sends them to the
 * worker, which re-tiles them, and every tile coming back is parsed, uploaded and repainted on the main
 * thread: ~1 s of main thread per snapshot with software WebGL. Here a snapshot fills the array (in
 * place, no allocation once it is big enough) and one `bufferData` uploads it at the next repaint.
 *
 * Positions are kept relative to an origin near the fleet (in float64 on the CPU side, folded into the
 * matrix), so float32 on the GPU loses nothing at street zoom. `drawn()` decodes the array the GPU
 * gets: the browser tests read the markers back from it, not from pixels.
 */
export class CourierMarkers implements CustomLayerInterface {
  readonly type = 'custom' as const;
  readonly renderingMode = '2d' as const;
  private data = new Float32Array(STRIDE * 1024);
  private ids: string[] = [];
  private count = 0;
  private originX = 0;
  private originY = 0;
  private dirty = true;
  private map: MapLibreMap | null = null;
  private gl: WebGL2RenderingContext | null = null;
  private program: WebGLProgram | null = null;
  private buffer: WebGLBuffer | null = null;
  private vao: WebGLVertexArrayObject | null = null;
  private uMatrix: WebGLUniformLocation | null = null;
  private uRatio: WebGLUniformLocation | null = null;
  private readonly matrix = new Float32Array(16);

  constructor(readonly id: string) {}

  /** Starts a new set of `n` markers (what `add` writes next replaces what was drawn). */
  reset(n: number): void {
    if (this.data.length < n * STRIDE) this.data = new Float32Array(Math.max(n, this.data.length / STRIDE * 2) * STRIDE);
    this.count = 0;
    this.ids.length = n;
  }

  add(courierId: string, lng: number, lat: number, state: DrawnState, selected: boolean): void {
    const x = toMercatorX(lng);
    const y = toMercatorY(lat);
    if (this.count === 0) {
      this.originX = x;
      this.originY = y;
    }
    const at = this.count * STRIDE;
    this.data[at] = x - this.originX;
    this.data[at + 1] = y - this.originY;
    this.data[at + 2] = STATES.indexOf(state) + (selected ? 4 : 0);
    this.ids[this.count] = courierId;
    this.count += 1;
  }

  /** The markers are complete: upload them at the next repaint. */
  commit(): void {
    this.ids.length = this.count;
    this.dirty = true;
    this.map?.triggerRepaint();
  }

  /** How many markers are drawn. */
  size(): number {
    return this.count;
  }

  /** What the GPU draws, as GeoJSON: position, drawn state and selection per courier. */
  drawn(): FeatureCollection {
    const features: FeatureCollection['features'] = [];
    for (let i = 0; i < this.count; i++) {
      const at = i * STRIDE;
      const style = this.data[at + 2] as number;
      const selected = style >= 4;
      features.push({
        type: 'Feature',
        properties: { courierId: this.ids[i], state: STATES[style - (selected ? 4 : 0)], selected },
        geometry: { type: 'Point', coordinates: [toLng((this.data[at] as number) + this.originX), toLat((this.data[at + 1] as number) + this.originY)] },
      });
    }
    return { type: 'FeatureCollection', features };
  }

  onAdd(map: MapLibreMap, gl: WebGL2RenderingContext): void {
    this.map = map;
    this.gl = gl;
    const shader = (kind: number, src: string) => {
      const s = gl.createShader(kind)!;
      gl.shaderSource(s, src);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`couriers shader: ${gl.getShaderInfoLog(s)}`);
      return s;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`couriers program: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    this.uMatrix = gl.getUniformLocation(program, 'u_matrix');
    this.uRatio = gl.getUniformLocation(program, 'u_ratio');
    this.buffer = gl.createBuffer();
    this.vao = gl.createVertexArray();
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    const pos = gl.getAttribLocation(program, 'a_pos');
    const style = gl.getAttribLocation(program, 'a_style');
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, STRIDE * 4, 0);
    gl.enableVertexAttribArray(style);
    gl.vertexAttribPointer(style, 1, gl.FLOAT, false, STRIDE * 4, 8);
    gl.bindVertexArray(null);
    this.dirty = true;
  }

  onRemove(_map: MapLibreMap, gl: WebGL2RenderingContext): void {
    gl.deleteBuffer(this.buffer);
    gl.deleteVertexArray(this.vao);
    gl.deleteProgram(this.program);
    this.map = null;
    this.gl = null;
  }

  render(gl: WebGL2RenderingContext, input: CustomRenderMethodInput): void {
    if (!this.program || this.count === 0) return;
    // The map's matrix (mercator 0..1 to clip space) times a translation to the origin, in float64.
    const m = input.defaultProjectionData.mainMatrix as unknown as ArrayLike<number>;
    for (let i = 0; i < 12; i++) this.matrix[i] = m[i] as number;
    for (let i = 0; i < 4; i++) this.matrix[12 + i] = (m[i] as number) * this.originX + (m[4 + i] as number) * this.originY + (m[12 + i] as number);
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    if (this.dirty) {
      gl.bufferData(gl.ARRAY_BUFFER, this.data.subarray(0, this.count * STRIDE), gl.DYNAMIC_DRAW);
      this.dirty = false;
    }
    gl.uniformMatrix4fv(this.uMatrix, false, this.matrix);
    gl.uniform1f(this.uRatio, window.devicePixelRatio || 1);
    gl.drawArrays(gl.POINTS, 0, this.count);
    gl.bindVertexArray(null);
  }
}
