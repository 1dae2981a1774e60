#include "carekiosk/ui/draw_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace carekiosk::ui {

namespace {

// One ImDrawCmd's triangles as ImGui wrote them.
struct Triangles {
    const ImDrawVert* vertices;
    int vertexCount;
    const ImDrawIdx* indices;
    std::size_t indexCount;
    SDL_Texture* texture;
};

class FanFinder {
  public:
    FanFinder(const Triangles& tris, ImVec2 whiteUv) : tris_(tris), whiteUv_(whiteUv) {}

    // The index one past the last triangle of the solid fan that starts at
    // index `first`, or `first` when none does. A solid fan is two or more
    // triangles (v0, a, b), (v0, b, c), ... whose vertices all have one colour
    // and the white pixel's UV: how ImGui fills convex shapes, rectangles
    // included. Anti-aliased fringes fade to alpha 0, so they never match.
    std::size_t fanEnd(std::size_t first) const {
        const ImDrawIdx* idx = tris_.indices;
        if (first + 6 > tris_.indexCount) {
            return first;
        }
        const ImU32 colour = tris_.vertices[idx[first]].col;
        if (!solid(idx[first], colour) || !solid(idx[first + 1], colour) ||
            !solid(idx[first + 2], colour)) {
            return first;
        }
        std::size_t end = first + 3;
        while (end + 3 <= tris_.indexCount && idx[end] == idx[first] &&
               idx[end + 1] == idx[end - 1] && solid(idx[end + 2], colour)) {
            end += 3;
        }
        return end - first >= 6 ? end : first;
    }

  private:
    bool solid(ImDrawIdx index, ImU32 colour) const {
        const ImDrawVert& v = tris_.vertices[index];
        return v.col == colour && v.uv.x == whiteUv_.x && v.uv.y == whiteUv_.y;
    }

    const Triangles& tris_;
    ImVec2 whiteUv_;
};

// Appends the pixel rows a convex polygon covers, as rectangles (rows with the
// same extent merged). A pixel is in when its centre is, as for triangles.
void convexSpans(const std::vector<ImVec2>& polygon, std::vector<SDL_Rect>& rects) {
    float minY = polygon.front().y;
    float maxY = minY;
    for (const ImVec2& p : polygon) {
        minY = std::min(minY, p.y);
        maxY = std::max(maxY, p.y);
    }
    const int firstRow = static_cast<int>(std::ceil(minY - 0.5f));
    const int endRow = static_cast<int>(std::ceil(maxY - 0.5f));
    const std::size_t begin = rects.size();
    for (int y = firstRow; y < endRow; ++y) {
        const float centre = static_cast<float>(y) + 0.5f;
        float left = maxY;  // any value; `crossed` says whether it was set
        float right = left;
        bool crossed = false;
        for (std::size_t i = 0; i < polygon.size(); ++i) {
            const ImVec2& p = polygon[i];
            const ImVec2& q = polygon[(i + 1) % polygon.size()];
            if ((p.y <= centre) == (q.y <= centre)) {
                continue;  // this edge does not cross the row's centre line
            }
            const float x = p.x + (centre - p.y) * (q.x - p.x) / (q.y - p.y);
            left = crossed ? std::min(left, x) : x;
            right = crossed ? std::max(right, x) : x;
            crossed = true;
        }
        const int x0 = static_cast<int>(std::ceil(left - 0.5f));
        const int x1 = static_cast<int>(std::ceil(right - 0.5f));
        if (!crossed || x1 <= x0) {
            continue;
        }
        if (rects.size() > begin) {
            SDL_Rect& last = rects.back();
            if (last.x == x0 && last.w == x1 - x0 && last.y + last.h == y) {
                ++last.h;  // a rectangle's interior is one fill, not one per row
                continue;
            }
        }
        rects.push_back(SDL_Rect{x0, y, x1 - x0, 1});
    }
}

class CommandRenderer {
  public:
    CommandRenderer(SDL_Renderer* renderer, ImVec2 whiteUv)
        : renderer_(renderer), whiteUv_(whiteUv) {}

    // Draws one command's triangles; with `spans`, its solid fans as spans.
    void draw(const Triangles& tris, bool spans) {
        if (!spans) {
            submitTriangles(tris, 0, tris.indexCount);
            return;
        }
        std::size_t pending = 0;  // the first index not yet submitted
        std::size_t at = 0;
        const FanFinder finder(tris, whiteUv_);
        while (at + 3 <= tris.indexCount) {
            const std::size_t end = finder.fanEnd(at);
            if (end == at) {
                at += 3;
                continue;
            }
            submitTriangles(tris, pending, at);  // what came before keeps its place
            fillFan(tris, at, end);
            ++stats_.fansAsSpans;
            pending = at = end;
        }
        submitTriangles(tris, pending, tris.indexCount);
    }

    const DrawDataStats& stats() const { return stats_; }

  private:
    void submitTriangles(const Triangles& tris, std::size_t from, std::size_t to) {
        if (to <= from) {
            return;
        }
        ++stats_.triangleRuns;
        const auto* base = reinterpret_cast<const char*>(tris.vertices);
        constexpr int kStride = sizeof(ImDrawVert);
        SDL_RenderGeometryRaw(
            renderer_, tris.texture,
            reinterpret_cast<const float*>(base + offsetof(ImDrawVert, pos)), kStride,
            reinterpret_cast<const SDL_Color*>(base + offsetof(ImDrawVert, col)), kStride,
            reinterpret_cast<const float*>(base + offsetof(ImDrawVert, uv)), kStride,
            tris.vertexCount, tris.indices + from, static_cast<int>(to - from), sizeof(ImDrawIdx));
    }

    void fillFan(const Triangles& tris, std::size_t from, std::size_t to) {
        const ImDrawIdx* idx = tris.indices;
        // SDL's software rasteriser truncates every vertex to whole pixels
        // before it tests pixel centres; so do we, so that a fill meets the
        // anti-aliased fringe ImGui drew round it exactly where it did.
        const auto whole = [&](ImDrawIdx index) {
            const ImVec2 p = tris.vertices[index].pos;
            return ImVec2(static_cast<float>(static_cast<int>(p.x)),
                          static_cast<float>(static_cast<int>(p.y)));
        };
        polygon_.clear();
        polygon_.push_back(whole(idx[from]));
        polygon_.push_back(whole(idx[from + 1]));
        for (std::size_t t = from; t < to; t += 3) {
            polygon_.push_back(whole(idx[t + 2]));
        }
        rects_.clear();
        convexSpans(polygon_, rects_);
        if (rects_.empty()) {
            return;
        }
        const ImU32 colour = tris.vertices[idx[from]].col;
        const auto channel = [colour](int shift) {
            return static_cast<Uint8>((colour >> shift) & 0xFF);
        };
        const Uint8 alpha = channel(IM_COL32_A_SHIFT);
        // Opaque fills need no blending, and SDL's plain fill is a memset.
        SDL_SetRenderDrawBlendMode(renderer_,
                                   alpha == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
        SDL_SetRenderDrawColor(renderer_, channel(IM_COL32_R_SHIFT), channel(IM_COL32_G_SHIFT),
                               channel(IM_COL32_B_SHIFT), alpha);
        SDL_RenderFillRects(renderer_, rects_.data(), static_cast<int>(rects_.size()));
    }

    SDL_Renderer* renderer_;
    ImVec2 whiteUv_;
    std::vector<ImVec2> polygon_;  // reused: a frame has hundreds of fans
    std::vector<SDL_Rect> rects_;
    DrawDataStats stats_;
};

}  // namespace

DrawDataStats renderDrawData(SDL_Renderer* renderer, const ImDrawData& drawData) {
    const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
    // Clip rects are projected as the ImGui backend projects them: a scale set
    // with SDL_RenderSetScale already applies to every coordinate we pass.
    float renderScaleX = 1.0f;
    float renderScaleY = 1.0f;
    SDL_RenderGetScale(renderer, &renderScaleX, &renderScaleY);
    const ImVec2 clipOffset = drawData.DisplayPos;
    const ImVec2 clipScale(renderScaleX == 1.0f ? drawData.FramebufferScale.x : 1.0f,
                           renderScaleY == 1.0f ? drawData.FramebufferScale.y : 1.0f);
    const auto fbWidth = static_cast<float>(static_cast<int>(drawData.DisplaySize.x * clipScale.x));
    const auto fbHeight =
        static_cast<float>(static_cast<int>(drawData.DisplaySize.y * clipScale.y));
    if (fbWidth <= 0 || fbHeight <= 0) {
        return {};
    }

    // Put back what we change, as the ImGui backend does.
    SDL_Rect oldViewport;
    SDL_RenderGetViewport(renderer, &oldViewport);
    SDL_Rect oldClip;
    SDL_RenderGetClipRect(renderer, &oldClip);
    const bool hadClip = SDL_RenderIsClipEnabled(renderer) == SDL_TRUE;
    SDL_BlendMode oldBlend;
    SDL_GetRenderDrawBlendMode(renderer, &oldBlend);
    Uint8 oldColour[4];
    SDL_GetRenderDrawColor(renderer, &oldColour[0], &oldColour[1], &oldColour[2], &oldColour[3]);
    SDL_RenderSetViewport(renderer, nullptr);

    // Spans only where they pay and match: SDL's software renderer. A GPU
    // draws fans cheaply, and rasterises with rules of its own that the
    // spans' edges would not meet exactly.
    SDL_RendererInfo info{};
    const bool software =
        SDL_GetRendererInfo(renderer, &info) == 0 && (info.flags & SDL_RENDERER_SOFTWARE) != 0;
    CommandRenderer commands(renderer, atlas->TexUvWhitePixel);
    for (int n = 0; n < drawData.CmdListsCount; ++n) {
        const ImDrawList* list = drawData.CmdLists[n];
        for (const ImDrawCmd& cmd : list->CmdBuffer) {
            if (cmd.UserCallback) {
                // ImGui's "reset render state" marker needs nothing here: each
                // command sets its own clip rect and each fill its own colour.
                if (cmd.UserCallback != ImDrawCallback_ResetRenderState) {
                    cmd.UserCallback(list, &cmd);
                }
                continue;
            }
            const float x0 = std::max(0.0f, (cmd.ClipRect.x - clipOffset.x) * clipScale.x);
            const float y0 = std::max(0.0f, (cmd.ClipRect.y - clipOffset.y) * clipScale.y);
            const float x1 = std::min(fbWidth, (cmd.ClipRect.z - clipOffset.x) * clipScale.x);
            const float y1 = std::min(fbHeight, (cmd.ClipRect.w - clipOffset.y) * clipScale.y);
            if (x1 <= x0 || y1 <= y0) {
                continue;
            }
            const SDL_Rect clip{static_cast<int>(x0), static_cast<int>(y0),
                                static_cast<int>(x1 - x0), static_cast<int>(y1 - y0)};
            SDL_RenderSetClipRect(renderer, &clip);
            const Triangles tris{list->VtxBuffer.Data + cmd.VtxOffset,
                                 list->VtxBuffer.Size - static_cast<int>(cmd.VtxOffset),
                                 list->IdxBuffer.Data + cmd.IdxOffset, cmd.ElemCount,
                                 static_cast<SDL_Texture*>(cmd.GetTexID())};
            commands.draw(tris, software && cmd.GetTexID() == atlas->TexID);
        }
    }

    SDL_RenderSetViewport(renderer, &oldViewport);
    SDL_RenderSetClipRect(renderer, hadClip ? &oldClip : nullptr);
    SDL_SetRenderDrawBlendMode(renderer, oldBlend);
    SDL_SetRenderDrawColor(renderer, oldColour[0], oldColour[1], oldColour[2], oldColour[3]);
    return commands.stats();
}

}  // namespace carekiosk::ui
