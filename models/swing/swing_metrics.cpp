#include "models/swing/swing_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace joule::models::swing {

std::optional<Ramp> max_ramp(std::span<const double> p, std::size_t lag) {
  if (lag == 0 || p.size() <= lag) return std::nullopt;
  Ramp r;
  for (std::size_t i = 0; i + lag < p.size(); ++i) {
    const double d = p[i + lag] - p[i];
    r.up_w = std::max(r.up_w, d);
    r.down_w = std::max(r.down_w, -d);
  }
  return r;
}

double dynamic_range(std::span<const double> p) {
  if (p.empty()) return 0.0;
  const auto [lo, hi] = std::minmax_element(p.begin(), p.end());
  return *hi - *lo;
}

void fft(std::vector<double>& re, std::vector<double>& im) {
  const std::size_t n = re.size();
  if (n == 0 || (n & (n - 1)) != 0 || im.size() != n)
    throw std::invalid_argument("fft: size must be a power of two");
  for (std::size_t i = 1, j = 0; i < n; ++i) {  // bit reversal
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2 * std::numbers::pi / static_cast<double>(len);
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t k = 0; k < len / 2; ++k) {
        const double c = std::cos(angle * static_cast<double>(k));
        const double s = std::sin(angle * static_cast<double>(k));
        const std::size_t a = i + k, b = i + k + len / 2;
        const double tr = re[b] * c - im[b] * s, ti = re[b] * s + im[b] * c;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
  }
}

Spectrum welch_psd(std::span<const double> p, double dt_s, std::size_t segment) {
  Spectrum s;
  std::size_t l = 1;
  while (l * 2 <= std::min(segment, p.size())) l *= 2;
  if (l < 4 || dt_s <= 0) return s;
  s.df_hz = 1.0 / (static_cast<double>(l) * dt_s);
  s.psd_w2_hz.assign(l / 2 + 1, 0.0);
  // Hann window w[j] = sin²(π j / L) (periodic); U = Σ w².
  std::vector<double> w(l);
  double u = 0;
  for (std::size_t j = 0; j < l; ++j) {
    const double x = std::sin(std::numbers::pi * static_cast<double>(j) / static_cast<double>(l));
    w[j] = x * x;
    u += w[j] * w[j];
  }
  std::vector<double> re(l), im(l);
  const std::size_t hop = l / 2;
  for (std::size_t start = 0; start + l <= p.size(); start += hop) {
    double mean = 0;
    for (std::size_t j = 0; j < l; ++j) mean += p[start + j];
    mean /= static_cast<double>(l);
    for (std::size_t j = 0; j < l; ++j) {
      re[j] = (p[start + j] - mean) * w[j];
      im[j] = 0;
    }
    fft(re, im);
    // One-sided: S(f_k) = c_k |X_k|² h / U, c_k = 2 except at 0 and Nyquist.
    for (std::size_t k = 0; k <= l / 2; ++k) {
      const double c = (k == 0 || k == l / 2) ? 1.0 : 2.0;
      s.psd_w2_hz[k] += c * (re[k] * re[k] + im[k] * im[k]) * dt_s / u;
    }
    ++s.segments;
  }
  for (auto& v : s.psd_w2_hz) v /= static_cast<double>(s.segments);
  return s;
}

std::optional<double> Spectrum::band_share(double lo_hz, double hi_hz) const {
  if (psd_w2_hz.size() < 2) return std::nullopt;
  const double nyquist = frequency_hz(psd_w2_hz.size() - 1);
  if (lo_hz >= nyquist) return std::nullopt;
  double total = 0, band = 0;
  for (std::size_t k = 1; k < psd_w2_hz.size(); ++k) {
    total += psd_w2_hz[k];
    const double f = frequency_hz(k);
    if (f >= lo_hz && f < hi_hz) band += psd_w2_hz[k];
  }
  if (!(total > 0)) return std::nullopt;
  return band / total;
}

double Spectrum::peak_hz() const {
  std::size_t best = 0;
  for (std::size_t k = 1; k < psd_w2_hz.size(); ++k)
    if (psd_w2_hz[k] > (best ? psd_w2_hz[best] : 0.0)) best = k;
  return best ? frequency_hz(best) : std::nan("");
}

std::optional<Step> largest_step(std::span<const double> p) {
  if (p.size() < 2) return std::nullopt;
  Step s;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const double d = p[i] - p[i - 1];
    if (std::fabs(d) > std::fabs(s.size_w) || s.index == 0) s = {d, i};
  }
  return s;
}

}  // namespace joule::models::swing
