#pragma once
// Submits Dear ImGui's draw data to an SDL_Renderer.
//
// It draws what ImGui_ImplSDLRenderer_RenderDrawData draws, but solid convex
// fans (filled rectangles, rounded rectangles, circles: ImGui emits each as a
// fan of triangles round its first vertex, in one colour, sampling the font
// atlas's white pixel) go to SDL as horizontal spans with SDL_RenderFillRects
// instead of as triangles. SDL's software renderer rasterises a triangle by
// walking its whole bounding box, and a fan's triangles each span most of the
// shape, so a rounded button cost tens of times its area; spans cost its area
// once. Everything else (text, anti-aliased fringes, strokes) goes to
// SDL_RenderGeometryRaw as ImGui emitted it, in the same order. On any other
// renderer (a GPU's) everything goes as triangles, as the backend sends it.
//
// Thread: the thread that owns `renderer` and the current ImGui context.

#include <SDL.h>
#include <imgui.h>

namespace carekiosk::ui {

// What renderDrawData did, for tests and benchmarks.
struct DrawDataStats {
    int fansAsSpans = 0;   // solid fans drawn as spans
    int triangleRuns = 0;  // SDL_RenderGeometryRaw calls
};

// Draws `drawData` (from ImGui::GetDrawData() after ImGui::Render()) with the
// current context's font atlas. Restores the renderer's clip rect, viewport
// and draw blend mode and colour. Borrows everything; owns nothing.
DrawDataStats renderDrawData(SDL_Renderer* renderer, const ImDrawData& drawData);

}  // namespace carekiosk::ui
